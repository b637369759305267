'use strict'

/**
 * Keys of a queue that Redis loses while tasks wait in them (an operator's
 * DEL, an eviction under a memory policy other than noeviction): the queue
 * cannot tell what it held, so it begins a new epoch. Every task its
 * submitters still wait for rejects with ClusterUnavailableError, none of
 * them runs later, and the queue serves new tasks at once.
 */
const path = require('node:path')
const { ParallelProcessor, ClusterUnavailableError } = require('../..')
const { startRedis, command, queueName, keysOf, pendingTasks, dropQueue } = require('./redis')
const { track, waitFor } = require('../helpers')

const TASKS = path.join(__dirname, '..', 'fixtures', 'cluster-tasks.js')
const OPTIONS = { heartbeatMs: 100, visibilityTimeoutMs: 5000, connectTimeoutMs: 2000 }

jest.setTimeout(30000)

let redis
beforeAll(async () => { redis = await startRedis() })
afterAll(async () => { await redis.stop() })

test.each([
  ['a lane stream deleted', (keys) => ['DEL', keys.lane(5)]],
  ['a lane group destroyed', (keys) => ['XGROUP', 'DESTROY', keys.lane(0), 'workers']],
  ['the lanes set deleted', (keys) => ['DEL', keys.lanes]],
  ['the owners hash deleted', (keys) => ['DEL', keys.owners]],
  ['the epoch deleted', (keys) => ['DEL', keys.epoch]],
])('%s: every outstanding task rejects with ClusterUnavailableError and the queue serves again', async (_, loss) => {
  const queue = queueName('lost-keys')
  const keys = keysOf(queue)
  const cluster = { redis: redis.url, queue, ...OPTIONS }
  const node = new ParallelProcessor(1, { filename: TASKS, cluster })
  const submitter = new ParallelProcessor(0, { cluster })
  try {
    // One runs on the node; the others wait in the lanes of priority 0 and 5.
    const outstanding = track(Array.from({ length: 20 }, (_, id) => submitter.execute({ id, ms: 2000 }, { priority: id % 2 === 0 ? 0 : 5 })))
    const queued = async () => (await command(redis.url, 'XLEN', keys.lane(0))) + (await command(redis.url, 'XLEN', keys.lane(5)))
    await waitFor(async () => (await queued()) === 20, 10000, 'the 20 tasks to be in Redis')
    await command(redis.url, ...loss(keys))
    const outcomes = await outstanding.settled(10000)
    expect(outcomes.map((outcome) => outcome.status)).toEqual(Array(20).fill('rejected'))
    for (const { value } of outcomes) expect(value).toBeInstanceOf(ClusterUnavailableError)
    expect(outcomes[0].value.message).toContain('Redis lost the queue')
    await expect(submitter.execute({ id: 'after' }, { priority: 5 })).resolves.toMatchObject({ id: 'after' })
    // Nothing of the old epoch is left to run.
    expect(await queued()).toBe(0)
  } finally {
    await submitter.dispose()
    await node.dispose()
    if (!redis.own) await dropQueue(redis.url, queue)
  }
})

test('an entry deleted by hand, waiting or running, rejects its own promise only', async () => {
  const queue = queueName('lost-entry')
  const keys = keysOf(queue)
  const cluster = { redis: redis.url, queue, ...OPTIONS }
  const node = new ParallelProcessor(1, { filename: TASKS, cluster })
  const submitter = new ParallelProcessor(0, { cluster })
  try {
    const running = submitter.execute({ id: 'running', ms: 1500 }).catch((caught) => caught)
    await waitFor(async () => (await pendingTasks(redis.url, queue)).length === 1, 10000, 'the first task to run')
    const waiting = track([submitter.execute({ id: 'deleted' }), submitter.execute({ id: 'kept' })])
    await waitFor(async () => (await command(redis.url, 'XLEN', keys.lane(0))) === 3, 10000, 'the tasks to be in Redis')
    const ids = (await command(redis.url, 'XRANGE', keys.lane(0), '-', '+')).map(([id]) => id)
    await command(redis.url, 'XDEL', keys.lane(0), ids[0], ids[1])
    const [deleted, kept] = await waiting.settled(10000)
    expect(deleted.value).toBeInstanceOf(ClusterUnavailableError)
    expect(deleted.value.message).toContain('before any node read it')
    expect(kept.value).toMatchObject({ id: 'kept' })
    const error = await running
    expect(error).toBeInstanceOf(ClusterUnavailableError)
    expect(error.message).toContain(`while node ${node.stats().cluster.nodeId} held it`)
  } finally {
    await submitter.dispose()
    await node.dispose()
    if (!redis.own) await dropQueue(redis.url, queue)
  }
})
