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
const { startRedis, command, queueName, keysOf, dropQueue } = require('./redis')
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
