'use strict'

/**
 * A poison task (one that kills the node process that starts it) among
 * innocent ones: the delivery limit dead-letters the poison, and only it.
 * Two nodes of two thread workers, a replacement started whenever one
 * dies, the poison submitted first and 20 tiny tasks right after it, so
 * that the node it kills also holds innocent tasks, running or read ahead.
 */
const { ParallelProcessor, DeliveryLimitError } = require('../..')
const { startRedis, queueName, keysOf, command, dropQueue } = require('./redis')
const { Cluster } = require('./nodes')
const { track } = require('../helpers')

jest.setTimeout(120000)

// A node is dead 3 heartbeats (300 ms) after its last.
const OPTIONS = { heartbeatMs: 100, visibilityTimeoutMs: 2000, maxDeliveries: 2 }
const RUNS = 20
const INNOCENTS = 20

let redis
beforeAll(async () => { redis = await startRedis() })
afterAll(async () => { await redis.stop() })

let cluster
let submitter
let nodes
beforeEach(() => {
  cluster = new Cluster(redis.url, queueName('poison'))
})
afterEach(async () => {
  nodes?.stop()
  await submitter?.dispose()
  await cluster.dispose()
  if (!redis.own) await dropQueue(redis.url, cluster.queue)
})

/** Keeps `count` nodes alive: a node that exits (or dies before it is ready) is replaced at once. */
function keepAlive(count) {
  let spawned = 0
  let stopped = false
  const spawn = () => {
    if (stopped) return
    cluster.start(`n${spawned++}`, 2, OPTIONS).then((node) => node.child.once('exit', spawn), spawn)
  }
  for (let i = 0; i < count; i++) spawn()
  return { stop: () => { stopped = true } }
}

test(`a task that kills its node is dead-lettered after maxDeliveries, and no innocent task with it (${RUNS} runs)`, async () => {
  nodes = keepAlive(2)
  submitter = new ParallelProcessor(0, { cluster: { redis: redis.url, queue: cluster.queue, ...OPTIONS } })
  const poisons = []
  const innocents = []
  let runsLosingInnocents = 0
  for (let run = 0; run < RUNS; run++) {
    const id = (run + 1) * 1000
    const poison = submitter.execute({ id }, { name: 'killNode' }).then(() => null, (error) => error)
    const tiny = track(Array.from({ length: INNOCENTS }, (_, i) => submitter.execute({ id: id + i + 1 })))
    poisons.push({ id, error: await poison })
    const values = (await tiny.settled(30000)).map((outcome) => outcome.value)
    if (values.some((value) => value instanceof DeliveryLimitError)) runsLosingInnocents++
    innocents.push(...values)
  }
  const innocentsDeadLettered = innocents.filter((value) => value instanceof DeliveryLimitError).length
  const poisonsDeadLettered = poisons.filter(({ error }) => error instanceof DeliveryLimitError && error.deliveries === 2).length
  expect({ runsLosingInnocents, innocentsDeadLettered, poisonsDeadLettered })
    .toEqual({ runsLosingInnocents: 0, innocentsDeadLettered: 0, poisonsDeadLettered: RUNS })
  expect(innocents.filter((value) => value instanceof Error)).toEqual([])
  // maxDeliveries bounds how often the poison kills a node: it started twice a run, once per delivery.
  const runs = cluster.runs()
  for (const { id } of poisons) expect(runs.filter((run) => run.id === id).map((run) => run.delivery)).toEqual([1, 2])
  // The dead-letter stream holds the poisons, nothing else.
  const letters = await command(redis.url, 'XRANGE', keysOf(cluster.queue).dead, '-', '+')
  const handlers = letters.map(([, fields]) => fields[fields.indexOf('handler') + 1])
  expect(handlers).toEqual(Array(RUNS).fill('killNode'))
})
