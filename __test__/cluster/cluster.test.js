'use strict'

/**
 * Cluster mode against a real Redis: nodes are real processes (or pools of
 * this one), tasks run on real workers. See redis.js for which Redis.
 */
const path = require('node:path')
const { execFile } = require('node:child_process')
const { ParallelProcessor, ClusterUnavailableError, WorkerCrashedError, TimeoutError, AbortError, QueueFullError } = require('../..')
const { startRedis, command, queueName, keysOf, pendingTasks, dropQueue, freePort } = require('./redis')
const { Cluster } = require('./nodes')
const { track, waitFor } = require('../helpers')
const { checkWithPromtool, sample } = require('../prometheus')

const TASKS = path.join(__dirname, '..', 'fixtures', 'cluster-tasks.js')
const DEFAULT_VISIBILITY_TIMEOUT_MS = 30000
jest.setTimeout(60000)

let redis
beforeAll(async () => { redis = await startRedis() })
afterAll(async () => { await redis.stop() })

let cluster
let pools
beforeEach(() => {
  cluster = new Cluster(redis.url, queueName('cluster'))
  pools = []
})
afterEach(async () => {
  await Promise.all(pools.map((pool) => pool.dispose()))
  await cluster.dispose()
  if (!redis.own) await dropQueue(redis.url, cluster.queue)
})

/** A pool of this process on the test's queue; `workers: 0` only submits. */
function node(workers, options = {}, cluster_ = {}) {
  const pool = new ParallelProcessor(workers, {
    ...(workers > 0 ? { filename: TASKS } : {}),
    ...options,
    cluster: { redis: redis.url, queue: cluster.queue, ...cluster_ },
  })
  pools.push(pool)
  return pool
}

test('tasks submitted on one node run on every node, with results, ctx.delivery and stats', async () => {
  const [a, b] = await Promise.all([cluster.start('a'), cluster.start('b')])
  const submitter = node(0)
  const results = await Promise.all(Array.from({ length: 200 }, (_, id) => submitter.execute({ id, ms: 5 })))
  expect(results.map((r) => r.id)).toEqual(Array.from({ length: 200 }, (_, id) => id))
  expect(new Set(results.map((r) => r.node))).toEqual(new Set(['a', 'b']))
  expect(results.every((r) => r.delivery === 1)).toBe(true)
  // Figures as of the submitter's last heartbeat: one after the last task.
  const drained = ({ nodes, queued, pending }) => nodes.length === 3 && queued === 0 && pending === 0
  await waitFor(() => drained(submitter.stats().cluster), 5000, 'three nodes and nothing queued in stats')
  const stats = submitter.stats().cluster
  expect(stats.nodeId).toEqual(expect.any(String))
  expect(stats.nodes.map((n) => n.id).sort()).toEqual([a.nodeId, b.nodeId, stats.nodeId].sort())
  expect(stats.nodes.find((n) => n.id === a.nodeId).workers).toBe(2)
  expect(stats.nodes.find((n) => n.id === stats.nodeId).workers).toBe(0)
  expect(stats).toMatchObject({ queued: 0, pending: 0, deadLetters: 0 })
})

test('errors reach the submitter as the same classes: thrown, timeout, crash with nodeId; retries run again', async () => {
  const runner = await cluster.start('runner', 1)
  const submitter = node(0)
  const thrown = await submitter.execute({}, { name: 'boom' }).catch((error) => error)
  expect(thrown).toBeInstanceOf(RangeError)
  expect(thrown.message).toBe('out of range, as asked')
  const late = await submitter.execute({ id: 1, ms: 5000 }, { timeoutMs: 200 }).catch((error) => error)
  expect(late).toBeInstanceOf(TimeoutError)
  expect(late.timeoutMs).toBe(200)
  const crashed = await submitter.execute({}, { name: 'exitWorker' }).catch((error) => error)
  expect(crashed).toBeInstanceOf(WorkerCrashedError)
  expect(crashed.exitCode).toBe(7)
  expect(crashed.nodeId).toBe(runner.nodeId)
  const uncaught = await submitter.execute({}, { name: 'throwUncaught' }).catch((error) => error)
  expect(uncaught).toBeInstanceOf(WorkerCrashedError)
  expect(uncaught.cause).toBeInstanceOf(Error)
  expect(uncaught.cause.message).toBe('uncaught in a worker')
  const marker = path.join(cluster.dir, 'flaky')
  await expect(submitter.execute({ id: 2, marker }, { name: 'flaky', retries: 1 })).resolves.toBe('second time lucky')
  expect(cluster.runs().filter((run) => run.id === 2)).toHaveLength(2)
})

test('an aborted queued task never runs, and an aborted running one is stopped', async () => {
  const submitter = node(0)
  const controller = new AbortController()
  const queued = submitter.execute({ id: 1 }, { signal: controller.signal })
  const kept = submitter.execute({ id: 2 })
  await waitFor(() => submitter.stats().cluster.queued >= 1, 5000, 'the tasks to be queued')
  controller.abort('not needed')
  await expect(queued).rejects.toBeInstanceOf(AbortError)
  await cluster.start('late', 1)
  await expect(kept).resolves.toMatchObject({ id: 2 })
  const running = new AbortController()
  const slow = submitter.execute({ id: 3, ms: 30000 }, { signal: running.signal })
  await waitFor(() => cluster.runs().some((run) => run.id === 3), 10000, 'the slow task to start')
  running.abort()
  await expect(slow).rejects.toBeInstanceOf(AbortError)
  // Its node stops it at its next renewal and is free again.
  await expect(submitter.execute({ id: 4 })).resolves.toMatchObject({ id: 4 })
  expect(cluster.runs().map((run) => run.id)).not.toContain(1)
})

test('priority holds across the cluster: a backlog is run highest first', async () => {
  const submitter = node(0)
  const priorities = [0, 5, -2, 5, 9, 0, 1]
  const tasks = priorities.map((priority, id) => submitter.execute({ id }, { priority }))
  await waitFor(() => submitter.stats().cluster.queued === priorities.length, 5000, 'the backlog in Redis')
  await cluster.start('a', 1)
  await Promise.all(tasks)
  expect(cluster.runs().map((run) => run.id)).toEqual([4, 1, 3, 6, 0, 5, 2])
})

test('bad input is refused with typed errors and loses nothing', async () => {
  await cluster.start('a', 1)
  const submitter = node(0)
  await expect(submitter.execute({ id: 1 }, { filename: TASKS })).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_VALUE' })
  await expect(submitter.execute(new SharedArrayBuffer(8))).rejects.toMatchObject({ code: 'ERR_DATA_CLONE' })
  await expect(submitter.execute(() => {})).rejects.toMatchObject({ code: 'ERR_DATA_CLONE' })
  await expect(submitter.execute({ id: 2 })).resolves.toMatchObject({ id: 2 })
  const bad = (cluster_) => () => new ParallelProcessor(0, { cluster: { redis: redis.url, queue: 'q', ...cluster_ } })
  expect(bad({ heartbeatMS: 10 })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE', message: expect.stringContaining('heartbeatMS') }))
  expect(bad({ redis: 'http://x' })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }))
  expect(bad({ queue: 'a{b}' })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }))
  expect(bad({ visibilityTimeoutMs: 1000, heartbeatMs: 1000 })).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }))
  expect(() => new ParallelProcessor(2, { cluster: { redis: redis.url, queue: 'q' } })).toThrow(expect.objectContaining({ message: expect.stringContaining('filename') }))
})

test('an unreachable Redis or a wrong password fails fast with ClusterUnavailableError', async () => {
  const port = await freePort()
  const nowhere = new ParallelProcessor(0, { cluster: { redis: `redis://127.0.0.1:${port}`, queue: cluster.queue, connectTimeoutMs: 1000 } })
  pools.push(nowhere)
  let start = Date.now()
  const error = await nowhere.execute({ id: 1 }).catch((e) => e)
  expect(error).toBeInstanceOf(ClusterUnavailableError)
  expect(error.code).toBe('ERR_CLUSTER_UNAVAILABLE')
  expect(Date.now() - start).toBeLessThan(3000)
  const { host } = new URL(redis.url)
  const refused = new ParallelProcessor(0, { cluster: { redis: `redis://:wrong-password@${host}`, queue: cluster.queue, connectTimeoutMs: 1000 } })
  pools.push(refused)
  start = Date.now()
  await expect(refused.execute({ id: 2 })).rejects.toBeInstanceOf(ClusterUnavailableError)
  expect(Date.now() - start).toBeLessThan(3000)
})

test('maxQueue bounds the backlog in Redis', async () => {
  const submitter = node(0, { maxQueue: 3 })
  const tasks = Array.from({ length: 5 }, (_, id) => submitter.execute({ id }))
  const outcomes = await Promise.allSettled(tasks.slice(3))
  expect(outcomes.map((o) => o.reason)).toEqual([expect.any(QueueFullError), expect.any(QueueFullError)])
  await cluster.start('a', 2)
  await expect(Promise.all(tasks.slice(0, 3))).resolves.toHaveLength(3)
})

test('maxQueue: 0 refuses every task', async () => {
  const submitter = node(0, { maxQueue: 0 })
  await expect(submitter.execute({ id: 1 })).rejects.toBeInstanceOf(QueueFullError)
})

test('close() on a submitting node waits for its own tasks, which run elsewhere', async () => {
  await cluster.start('a', 1)
  const submitter = node(0)
  const task = submitter.execute({ id: 1, ms: 500 })
  await submitter.close()
  await expect(task).resolves.toMatchObject({ id: 1, node: 'a' })
})

test('close({ force: true }) on a submitting node rejects its own tasks at once; they stay in the queue and run', async () => {
  await cluster.start('a', 1)
  const submitter = node(0)
  const tasks = track(Array.from({ length: 3 }, (_, id) => submitter.execute({ id, ms: 300 })))
  await waitFor(() => cluster.runs().length >= 1, 10000, 'the first task to start on node a')
  const closing = submitter.close({ force: true })
  const outcomes = await tasks.settled(1000)
  expect(outcomes.map((o) => o.value?.code)).toEqual(Array(3).fill('ERR_PROCESSOR_DISPOSED'))
  await closing
  // The queue is the cluster's: every task still runs, on the node that serves it.
  await waitFor(() => cluster.runs().length === 3, 10000, 'all three tasks to run on node a')
})

test('a node whose module cannot load gives its tasks to the healthy nodes', async () => {
  const broken = path.join(__dirname, '..', 'fixtures', 'throws-at-load.js')
  await cluster.start('broken', 2, {}, { CLUSTER_TASKS: broken })
  const submitter = node(0)
  const first = submitter.execute({ id: 0 })
  // The broken node takes the task and gives it back before a healthy node comes: given back, an
  // entry stays pending with its idle time set to the visibility timeout, for the next claim to take.
  const givenBack = async () => (await pendingTasks(redis.url, cluster.queue)).some((task) => task.idleMs >= DEFAULT_VISIBILITY_TIMEOUT_MS)
  await waitFor(givenBack, 10000, 'the broken node to take the task and give it back')
  await cluster.start('healthy', 2)
  const rest = Array.from({ length: 100 }, (_, i) => submitter.execute({ id: i + 1, ms: 2 }))
  const outcomes = await Promise.allSettled([first, ...rest])
  expect(outcomes.filter((o) => o.status === 'rejected').map((o) => o.reason.message)).toEqual([])
  expect(new Set(outcomes.map((o) => o.value.node))).toEqual(new Set(['healthy']))
})

test('tasks read ahead by a node that is disposed are not counted as deliveries', async () => {
  const options = { maxDeliveries: 1, heartbeatMs: 200, visibilityTimeoutMs: 2000 }
  const leaving = await cluster.start('leaving', 1, options)
  const submitter = node(0, {}, options)
  const tasks = track(Array.from({ length: 400 }, (_, id) => submitter.execute({ id, ms: 2 })))
  await waitFor(() => cluster.runs().length >= 50, 10000, 'the node to warm up and read ahead')
  await cluster.stop(leaving, 'dispose')
  await cluster.start('staying', 1, options)
  const outcomes = await tasks.settled(30000)
  expect(outcomes.filter((o) => o.status === 'rejected').map((o) => o.value.message)).toEqual([])
})

test('garbage entries added by hand are dead-lettered with a reason and crash nothing', async () => {
  await cluster.start('a', 1)
  const submitter = node(0)
  const { tasks, dead } = keysOf(cluster.queue)
  await command(redis.url, 'XADD', tasks, '*', 'hello', 'world')
  await command(redis.url, 'XADD', tasks, '*', 'node', 'x', 'task', 'seven', 'handler', '', 'payload', '', 'timeout', '', 'retries', '0')
  await expect(submitter.execute({ id: 1 })).resolves.toMatchObject({ id: 1 })
  await waitFor(() => submitter.stats().cluster.deadLetters === 2, 5000, 'two dead letters in stats')
  const letters = await command(redis.url, 'XRANGE', dead, '-', '+')
  const reasons = letters.map(([, fields]) => fields[fields.indexOf('reason') + 1])
  expect(reasons).toEqual(['missing field `timeout`', 'field `task` is not a number'])
})

test('dispose() hands held tasks back at once; close() finishes them first', async () => {
  // A visibility timeout far longer than the test: only the hand-back can explain a quick finish.
  const options = { visibilityTimeoutMs: 120000 }
  const leaving = await cluster.start('leaving', 2, options)
  const submitter = node(0, {}, options)
  const tasks = track([1, 2].map((id) => submitter.execute({ id, ms: 1500 })))
  await waitFor(() => cluster.runs().length === 2, 10000, 'both tasks to start on the leaving node')
  await cluster.stop(leaving, 'dispose')
  await cluster.start('staying', 2, options)
  const outcomes = await tasks.settled(15000)
  expect(outcomes.map((o) => o.value.node)).toEqual(['staying', 'staying'])

  const closing = await cluster.start('closing', 2, options)
  await cluster.stop(await cluster.start('x', 1, options).then((x) => x), 'dispose')
  const more = track([3, 4].map((id) => submitter.execute({ id, ms: 800 })))
  await waitFor(() => cluster.runs().filter((run) => run.id >= 3).length >= 1, 10000, 'a task to start')
  await cluster.stop(closing, 'close')
  const finished = await more.settled(15000)
  expect(finished.every((o) => o.status === 'fulfilled')).toBe(true)
})

test('a submit-only process that is idle exits by itself', async () => {
  await cluster.start('a', 1)
  const script = `
    const { ParallelProcessor } = require(${JSON.stringify(path.join(__dirname, '..', '..'))})
    const pool = new ParallelProcessor(0, { cluster: { redis: ${JSON.stringify(redis.url)}, queue: ${JSON.stringify(cluster.queue)} } })
    pool.execute({ id: 1 }).then((result) => console.log(JSON.stringify(result)))
  `
  const start = Date.now()
  const { stdout } = await new Promise((resolve, reject) => {
    execFile(process.execPath, ['-e', script], { timeout: 20000 }, (error, stdout) => (error ? reject(error) : resolve({ stdout })))
  })
  expect(JSON.parse(stdout)).toMatchObject({ id: 1, node: 'a' })
  expect(Date.now() - start).toBeLessThan(15000)
})

test('process workers run cluster tasks too', async () => {
  const local = node(2, { kind: 'process' })
  const plain = await local.execute({ id: 1 })
  expect(plain).toMatchObject({ id: 1, delivery: 1 })
  expect(plain.pid).not.toBe(process.pid)
  const typed = await local.execute({ id: 2, data: new Float64Array([1.5, 2.5]) })
  expect(typed.data).toEqual(new Float64Array([1.5, 2.5]))
})

test('metrics(): nodes, lanes, dead letters and redeliveries as Prometheus text', async () => {
  const submitter = node(0)
  const tasks = [0, 0, 5].map((priority, id) => submitter.execute({ id, ms: 1500 }, { priority }))
  await waitFor(() => submitter.stats().cluster.queued === 3, 5000, 'the backlog in Redis')
  let text = submitter.metrics()
  checkWithPromtool(text)
  expect(sample(text, 'parallel_processor_cluster_queued{lane="5"}')).toBe(1)
  expect(sample(text, 'parallel_processor_cluster_queued{lane="0"}')).toBe(2)
  expect(sample(text, 'parallel_processor_cluster_nodes')).toBe(1)
  expect(sample(text, 'parallel_processor_cluster_workers')).toBe(0)
  expect(sample(text, 'parallel_processor_cluster_dead_letters')).toBe(0)

  // A node takes the tasks and dies running them: another runs them again.
  const a = await cluster.start('a', 2)
  await waitFor(() => cluster.runs().length === 2, 10000, 'two tasks running on a')
  a.child.kill('SIGKILL')
  const b = node(2)
  await Promise.all(tasks)
  const taken = b.stats().cluster.redelivered
  expect(taken).toBeGreaterThanOrEqual(2)
  text = b.metrics()
  checkWithPromtool(text)
  expect(sample(text, 'parallel_processor_cluster_redeliveries_total')).toBe(taken)
  expect(sample(text, 'parallel_processor_tasks_total{outcome="success"}')).toBe(3)
  // Delivered and acknowledged: nothing left in any lane.
  await waitFor(() => b.stats().cluster.pending === 0 && b.stats().cluster.queued === 0, 5000, 'the queue drained in stats')
  text = b.metrics()
  expect(sample(text, 'parallel_processor_cluster_pending{lane="5"}')).toBe(0)
  expect(sample(text, 'parallel_processor_cluster_queued{lane="0"}')).toBe(0)
})
