'use strict'

/**
 * Keys of a queue that Redis loses while tasks wait in them (an operator's
 * DEL, an eviction under a memory policy other than noeviction): the queue
 * cannot tell what it held, so it begins a new epoch. Every task its
 * submitters still wait for rejects with ClusterUnavailableError, none of
 * them runs later, and the queue serves new tasks at once.
 */
const path = require('node:path')
const { fork } = require('node:child_process')
const { ParallelProcessor, ClusterUnavailableError } = require('../..')
const { startRedis, command, queueName, keysOf, pendingTasks, dropQueue } = require('./redis')
const { track, waitFor } = require('../helpers')

const TASKS = path.join(__dirname, '..', 'fixtures', 'cluster-tasks.js')
const SUBMITTER = path.join(__dirname, '..', 'fixtures', 'cluster-submitter.js')
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

test('results deleted before their submitter read them reject their own promises only', async () => {
  const queue = queueName('lost-results')
  const keys = keysOf(queue)
  const node = new ParallelProcessor(2, { filename: TASKS, cluster: { redis: redis.url, queue, ...OPTIONS } })
  // The submitter in a process of its own, to be stopped while its tasks run.
  const submitter = fork(SUBMITTER, [redis.url, queue, JSON.stringify(OPTIONS)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  const exited = new Promise((resolve) => submitter.once('exit', resolve))
  const outcomes = new Map()
  submitter.on('message', (message) => {
    if (message.outcome) outcomes.set(message.outcome.id, message.outcome)
  })
  try {
    const { nodeId } = await new Promise((resolve) => submitter.on('message', (message) => message.ready && resolve(message)))
    // Three end while the submitter is stopped, the fourth after. A read
    // of the stopped submitter's, already waiting in Redis, takes the first
    // result to come (Redis answers it, the answer waits in the socket), if
    // it has not timed out by then: the two after it are read by no one.
    const tasks = [{ id: 'taken', ms: 100 }, { id: 'first', ms: 400 }, { id: 'second', ms: 400 }, { id: 'later', ms: 1500 }]
    submitter.send({ submit: tasks })
    await waitFor(async () => (await command(redis.url, 'XLEN', keys.lane(0))) === 4, 10000, 'the tasks to be in Redis')
    submitter.kill('SIGSTOP')
    await waitFor(async () => (await command(redis.url, 'XLEN', keys.results(nodeId))) === 3, 10000, 'three results to wait for their submitter')
    await command(redis.url, 'DEL', keys.results(nodeId))
    submitter.kill('SIGCONT')
    await waitFor(() => outcomes.size === 4, 10000, 'every task to settle')
    const lost = { status: 'rejected', value: { name: 'ClusterUnavailableError', message: expect.stringContaining("lost the task's result") } }
    expect(outcomes.get('first')).toMatchObject(lost)
    expect(outcomes.get('second')).toMatchObject(lost)
    const taken = outcomes.get('taken')
    expect(taken.status === 'fulfilled' ? taken.value.id : taken.value.message).toMatch(/^taken$|lost the task's result/)
    // A result that comes after the loss reaches its submitter as ever.
    expect(outcomes.get('later')).toMatchObject({ status: 'fulfilled', value: { id: 'later' } })
  } finally {
    submitter.kill('SIGCONT')
    submitter.send('dispose')
    await exited
    await node.dispose()
    if (!redis.own) await dropQueue(redis.url, queue)
  }
})
