'use strict'

/**
 * Nodes that die: SIGKILL at random moments under load, a node paused with
 * SIGSTOP, and a task that kills every node that runs it. Every promise
 * settles exactly once and every task runs at least once.
 */
const { ParallelProcessor, DeliveryLimitError } = require('../..')
const { startRedis, queueName, keysOf, command, dropQueue } = require('./redis')
const { Cluster } = require('./nodes')
const { track, waitFor, sleep } = require('../helpers')

jest.setTimeout(120000)

// Quick failure detection: a node is dead 3 heartbeats (600 ms) after its last.
const QUICK = { heartbeatMs: 200, visibilityTimeoutMs: 2000, maxDeliveries: 10 }

let redis
beforeAll(async () => { redis = await startRedis() })
afterAll(async () => { await redis.stop() })

let cluster
let submitter
beforeEach(() => {
  cluster = new Cluster(redis.url, queueName('chaos'))
})
afterEach(async () => {
  await submitter?.dispose()
  await cluster.dispose()
  if (!redis.own) await dropQueue(redis.url, cluster.queue)
})

function submitOnly(options = QUICK) {
  submitter = new ParallelProcessor(0, { cluster: { redis: redis.url, queue: cluster.queue, ...options } })
  return submitter
}

test('SIGKILL chaos: 5,000 tasks, nodes killed at random moments, 0 lost, 0 settled twice, each ran', async () => {
  let nodes = await Promise.all(['n0', 'n1', 'n2'].map((name) => cluster.start(name, 2, QUICK)))
  const pool = submitOnly()
  const count = 5000
  const tasks = track(Array.from({ length: count }, (_, id) => pool.execute({ id, ms: id % 7 })))
  let spawned = 3
  for (let kill = 0; kill < 4; kill++) {
    // A random moment, on purpose: after a read, mid-task, or between a task's end and its acknowledgement.
    await sleep(200 + Math.floor(Math.random() * 900))
    const victim = nodes[Math.floor(Math.random() * nodes.length)]
    await cluster.kill(victim)
    nodes = nodes.filter((node) => node !== victim)
    nodes.push(await cluster.start(`n${spawned++}`, 2, QUICK))
  }
  const outcomes = await tasks.settled(90000)
  const failed = outcomes.filter((o) => o.status !== 'fulfilled')
  expect(failed.map((o) => o.value?.message)).toEqual([])
  expect(outcomes.map((o) => o.value.id)).toEqual(Array.from({ length: count }, (_, id) => id))
  const ran = new Set(cluster.runs().map((run) => run.id))
  expect(ran.size).toBe(count)
  // Some tasks were taken back from a killed node and delivered again.
  expect(outcomes.some((o) => o.value.delivery > 1)).toBe(true)
  await waitFor(() => pool.stats().cluster.pending === 0 && pool.stats().cluster.queued === 0, 10000, 'an empty queue')
})

test('a SIGSTOPped node has its tasks taken back; resumed, its late outcomes are refused', async () => {
  const paused = await cluster.start('paused', 2, QUICK)
  const pool = submitOnly()
  const tasks = track([1, 2].map((id) => pool.execute({ id, ms: 1500 })))
  await waitFor(() => cluster.runs().length === 2, 10000, 'both tasks to start on the node to pause')
  paused.child.kill('SIGSTOP')
  await cluster.start('alive', 2, QUICK)
  const outcomes = await tasks.settled(20000)
  expect(outcomes.map((o) => [o.status, o.value.node, o.value.delivery])).toEqual([['fulfilled', 'alive', 2], ['fulfilled', 'alive', 2]])
  // Still there to be resumed: a node never ends its process on its own (and
  // `kill` would not say that it had).
  expect([paused.child.exitCode, paused.child.signalCode]).toEqual([null, null])
  paused.child.kill('SIGCONT')
  // The paused node ends its copies (finished, or aborted once it learns they were taken back) and
  // reports what it finished: fenced out, that publishes nothing.
  const ended = ({ completed, failed, aborted }) => completed + failed + aborted
  await waitFor(async () => ended(await cluster.stats(paused)) >= 2, 10000, 'the resumed node to end its copies')
  // Time left to pass on purpose, for its reports to reach Redis: nothing must come of them.
  await sleep(500)
  const { tasks: stream } = keysOf(cluster.queue)
  expect(await command(redis.url, 'XLEN', stream)).toBe(0)
  expect(tasks.outcomes.every((o) => o.count === 1)).toBe(true)
  await expect(pool.execute({ id: 3 })).resolves.toMatchObject({ id: 3 })
})

test('a task that kills every node that runs it is dead-lettered after maxDeliveries; others are untouched', async () => {
  const options = { ...QUICK, maxDeliveries: 2 }
  let node = await cluster.start('k0', 1, options)
  const pool = submitOnly(options)
  const deadly = pool.execute({ id: 0 }, { name: 'killNode' })
  const others = track(Array.from({ length: 20 }, (_, i) => pool.execute({ id: i + 1, ms: 5 })))
  const ended = deadly.then(() => 'settled', () => 'settled')
  // Each node it kills is replaced, until a node dead-letters it.
  for (let spawned = 1; spawned < 10; spawned++) {
    const exited = new Promise((resolve) => node.child.once('exit', () => resolve('exited')))
    if ((await Promise.race([exited, ended])) === 'settled') break
    node = await cluster.start(`k${spawned}`, 1, options)
  }
  const error = await deadly.catch((e) => e)
  expect(error).toBeInstanceOf(DeliveryLimitError)
  expect(error.code).toBe('ERR_DELIVERY_LIMIT')
  expect(error.deliveries).toBe(2)
  const outcomes = await others.settled(30000)
  expect(outcomes.every((o) => o.status === 'fulfilled')).toBe(true)
  const letters = await command(redis.url, 'XRANGE', keysOf(cluster.queue).dead, '-', '+')
  expect(letters).toHaveLength(1)
  expect(cluster.runs().filter((run) => run.id === 0).map((run) => run.delivery)).toEqual([1, 2])
})
