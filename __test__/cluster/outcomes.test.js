'use strict'

/**
 * A caller gets the same outcome from a task whether it ran on a local pool
 * or on another node of a cluster: the same value, or an error of the same
 * class with the same `code`, `cause` and extra fields (a crash's error adds
 * only `nodeId`). Both paths map the core's events through one module
 * (lib/pool/outcomes.js); this runs every way a task can end through both.
 *
 * Two ends only a local pool can meet: a queue deadline (a node reads no
 * more tasks than it has free slots, so none waits in its own queue) and a
 * worker that cannot start (a node hands such a task back to the queue, and
 * it ends as DeliveryLimitError: see cluster.test.js).
 */
const path = require('node:path')
const { ParallelProcessor, WorkerCrashedError } = require('../..')
const { startRedis, queueName, dropQueue } = require('./redis')

const OUTCOMES = path.join(__dirname, '..', 'fixtures', 'outcomes.js')
jest.setTimeout(60000)

let redis
beforeAll(async () => { redis = await startRedis() })
afterAll(async () => { await redis.stop() })

/** A task aborted while it runs, with a reason of its own. */
function aborted(pool) {
  const controller = new AbortController()
  const promise = pool.execute({}, { name: 'waits', signal: controller.signal })
  setTimeout(() => controller.abort(new Error('no longer wanted')), 100)
  return promise
}

/** [what, (pool) => the task's promise]: every way a task ends that reaches a submitter. */
const ENDS = [
  ['returns JSON', (pool) => pool.execute({ a: 1, list: [1, 'two', null] })],
  ['returns what only v8 can encode', (pool) => pool.execute(null, { name: 'rich' })],
  ['throws its own error (code, cause, extra field)', (pool) => pool.execute(null, { name: 'fails' })],
  ['rejects', (pool) => pool.execute(null, { name: 'rejects' })],
  ['names an export its module lacks', (pool) => pool.execute(null, { name: 'missing' })],
  ['times out', (pool) => pool.execute(null, { name: 'spins', timeoutMs: 200 })],
  ['ends its worker', (pool) => pool.execute(null, { name: 'exits' })],
  ['ends its worker with an uncaught error', (pool) => pool.execute(null, { name: 'throwsUncaught' })],
  ['is aborted', aborted],
]

/** What a caller can see of an outcome, minus what names a worker or a node. */
function seen(outcome) {
  if (outcome.status === 'fulfilled') return { value: outcome.value }
  return { error: errorShape(outcome.reason) }
}

function errorShape(error) {
  if (error === null || typeof error !== 'object') return error
  const fields = Object.fromEntries(Object.entries(error).filter(([key]) => key !== 'workerId' && key !== 'nodeId'))
  return {
    class: error.constructor.name,
    message: error.message.replace(/^Worker \d+( of node \S+)?/, 'Worker <id>'),
    cause: errorShape(error.cause),
    ...fields,
  }
}

describe.each(['thread', 'process'])('%s workers', (kind) => {
  let queue
  let local
  let node
  let submitter
  beforeAll(() => {
    queue = queueName('outcomes')
    local = new ParallelProcessor({ workers: 2, kind, filename: OUTCOMES })
    node = new ParallelProcessor({ workers: 2, kind, filename: OUTCOMES, cluster: { redis: redis.url, queue } })
    submitter = new ParallelProcessor({ workers: 0, cluster: { redis: redis.url, queue } })
  })
  afterAll(async () => {
    await Promise.all([local.dispose(), node.dispose(), submitter.dispose()])
    if (!redis.own) await dropQueue(redis.url, queue)
  })

  test.each(ENDS)('a task that %s ends the same on a local pool and in a cluster', async (_, run) => {
    const [here] = await Promise.allSettled([run(local)])
    const [there] = await Promise.allSettled([run(submitter)])
    expect(seen(there)).toEqual(seen(here))
    if (there.status === 'rejected' && there.reason instanceof WorkerCrashedError) {
      expect(there.reason.nodeId).toBe(node.stats().cluster.nodeId)
      expect(here.reason.nodeId).toBeUndefined()
      expect(Number.isInteger(there.reason.workerId)).toBe(true)
    }
  })

  test('a task pending when its pool is disposed ends the same on a local pool and in a cluster', async () => {
    const pools = [
      new ParallelProcessor({ workers: 1, kind, filename: OUTCOMES }),
      new ParallelProcessor({ workers: 0, cluster: { redis: redis.url, queue } }),
    ]
    const [here, there] = await Promise.all(pools.map(async (pool) => {
      const outcome = Promise.allSettled([pool.execute(null, { name: 'waits' })])
      await pool.dispose()
      return (await outcome)[0]
    }))
    expect(here.status).toBe('rejected')
    expect(seen(there)).toEqual(seen(here))
  })
})
