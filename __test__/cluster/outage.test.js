'use strict'

/**
 * Redis stopped and started again under load (a server of our own, with an
 * append-only file, so that what it accepted survives the restart).
 */
const { ParallelProcessor, ClusterUnavailableError } = require('../..')
const { startRestartableRedis, queueName, tasksAdded } = require('./redis')
const { Cluster } = require('./nodes')
const { track, sleep, waitFor } = require('../helpers')

jest.setTimeout(60000)

test('Redis that comes back empty (no persistence): the tasks it lost reject instead of hanging', async () => {
  const redis = await startRestartableRedis()
  const cluster = new Cluster(redis.url, queueName('lost'))
  const options = { heartbeatMs: 200, visibilityTimeoutMs: 5000, connectTimeoutMs: 1000 }
  let pool
  try {
    await cluster.start('a', 1, options)
    pool = new ParallelProcessor(0, { cluster: { redis: redis.url, queue: cluster.queue, ...options } })
    const lost = track(Array.from({ length: 5 }, (_, id) => pool.execute({ id, ms: 3000 })))
    // All in Redis (and still running: 5 x 3 s on 1 worker) when it goes.
    await waitFor(async () => (await tasksAdded(redis.url, cluster.queue)) === 5, 10000, 'the 5 tasks to be in Redis')
    await redis.stop()
    await redis.restart({ wipe: true })
    const outcomes = await lost.settled(15000)
    expect(outcomes.map((o) => o.value.code)).toEqual(Array(5).fill('ERR_CLUSTER_UNAVAILABLE'))
    expect(outcomes[0].value.message).toContain('Redis lost the queue')
    // The queue works again.
    await expect(pool.execute({ id: 10 })).resolves.toMatchObject({ id: 10 })
  } finally {
    await pool?.dispose()
    await cluster.dispose()
    await redis.dispose()
  }
})

test('Redis stopped and restarted under load: nothing hangs, tasks accepted before settle after, execute() meanwhile fails fast', async () => {
  const redis = await startRestartableRedis()
  const cluster = new Cluster(redis.url, queueName('outage'))
  const options = { heartbeatMs: 200, visibilityTimeoutMs: 5000, connectTimeoutMs: 1000 }
  let pool
  try {
    await cluster.start('a', 2, options)
    pool = new ParallelProcessor(0, { cluster: { redis: redis.url, queue: cluster.queue, ...options } })
    const accepted = track(Array.from({ length: 200 }, (_, id) => pool.execute({ id, ms: 20 })))
    // Handed over, and still running (200 x 20 ms on 2 workers) when Redis goes.
    await waitFor(async () => (await tasksAdded(redis.url, cluster.queue)) === 200, 10000, 'the 200 tasks to be in Redis')
    await waitFor(() => cluster.runs().length > 0, 10000, 'the node to run some')
    await redis.stop()
    const start = Date.now()
    const during = await pool.execute({ id: 1000 }).catch((error) => error)
    expect(during).toBeInstanceOf(ClusterUnavailableError)
    expect(Date.now() - start).toBeLessThan(2500)
    // An outage that lasts: time left to pass on purpose before Redis comes back.
    await sleep(500)
    await redis.restart()
    const outcomes = await accepted.settled(30000)
    expect(outcomes.filter((o) => o.status !== 'fulfilled').map((o) => o.value.message)).toEqual([])
    expect(new Set(cluster.runs().map((run) => run.id)).size).toBeGreaterThanOrEqual(200)
    await expect(pool.execute({ id: 2000 })).resolves.toMatchObject({ id: 2000 })
  } finally {
    await pool?.dispose()
    await cluster.dispose()
    await redis.dispose()
  }
})
