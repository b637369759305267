'use strict'

/**
 * Traces through a cluster over Redis: a node that only submits, and a node
 * with a worker, on one queue. The task's trace context reaches the other
 * node's worker with the task; see ../cluster/redis.js for which Redis.
 */
const path = require('node:path')
const { api, registerSdk, unregisterSdk, plain } = require('./otel')
const { ParallelProcessor, Orchestrator } = require('../..')
const { startRedis, queueName, dropQueue } = require('../cluster/redis')
const { waitFor } = require('../helpers')

const WORKER = path.join(__dirname, 'fixtures', 'traced-worker.js')
jest.setTimeout(60000)

let sdk
let redis
beforeAll(async () => {
  sdk = registerSdk()
  redis = await startRedis()
})
afterAll(async () => {
  await redis.stop()
  await unregisterSdk(sdk)
})

let queue
let pools
beforeEach(() => {
  queue = queueName('traces')
  pools = []
})
afterEach(async () => {
  await Promise.all(pools.map((pool) => pool.dispose()))
  if (!redis.own) await dropQueue(redis.url, queue)
})

function node(workers, options = {}) {
  const pool = new ParallelProcessor(workers, {
    ...(workers > 0 ? { filename: WORKER } : {}),
    ...options,
    cluster: { redis: redis.url, queue },
  })
  pools.push(pool)
  return pool
}

const tracer = api.trace.getTracer('test')
const finished = (name) => sdk.exporter.getFinishedSpans().map(plain).filter((span) => span.name === name)

test.each(['thread', 'process'])('a task run by another node (%s workers) runs in a child span of the submitter\'s execute span', async (kind) => {
  sdk.exporter.reset()
  node(1, { kind })
  const submitter = node(0)
  let caller
  const result = await tracer.startActiveSpan('caller', async (span) => {
    caller = span.spanContext()
    try {
      return await submitter.execute({ n: 5 })
    } finally {
      span.end()
    }
  })
  expect(result).toEqual({ doubled: 10, traceId: caller.traceId })
  await waitFor(() => finished('parallel-processor execute').length === 1, 5000, 'the execute span')
  const [execute] = finished('parallel-processor execute')
  expect(execute).toMatchObject({
    traceId: caller.traceId,
    parentSpanId: caller.spanId,
    kind: api.SpanKind.PRODUCER,
    attributes: { 'parallel_processor.outcome': 'success', 'parallel_processor.cluster.queue': queue },
  })
  // Asked outside the trace, through the queue, of the only node with a worker.
  const spans = await submitter.execute(null, { name: 'finishedSpans' })
  const run = spans.find((span) => span.name === 'parallel-processor run default')
  expect(run).toMatchObject({
    traceId: caller.traceId,
    parentSpanId: execute.spanId,
    kind: api.SpanKind.CONSUMER,
    attributes: { 'parallel_processor.delivery': 1, 'parallel_processor.kind': kind },
  })
  expect(spans.find((span) => span.name === 'user work')).toMatchObject({ traceId: caller.traceId, parentSpanId: run.spanId })
})

test('a failure on another node: ERROR on both sides; outside a trace, a task starts one of its own', async () => {
  sdk.exporter.reset()
  node(1)
  const submitter = node(0)
  const error = await tracer.startActiveSpan('caller', (span) => submitter.execute(null, { name: 'fails' }).catch((e) => e).finally(() => span.end()))
  expect(error.code).toBe('E_ON_PURPOSE')
  await waitFor(() => finished('parallel-processor execute').length === 1, 5000, 'the execute span')
  expect(finished('parallel-processor execute')[0]).toMatchObject({ status: { code: api.SpanStatusCode.ERROR }, attributes: { 'error.type': 'E_ON_PURPOSE' } })
  expect(await submitter.execute('plain', { name: 'sees' })).toMatchObject({ payload: 'plain', activeSpan: true })
  await waitFor(() => finished('parallel-processor execute').length === 2, 5000, 'the second execute span')
  const root = finished('parallel-processor execute')[1]
  expect(root.parentSpanId).toBeNull()
  const spans = await submitter.execute(null, { name: 'finishedSpans' })
  expect(spans.map((span) => span.name).sort()).toEqual(['parallel-processor run fails', 'parallel-processor run sees'])
  expect(spans.find((span) => span.name.endsWith('fails')).status.code).toBe(api.SpanStatusCode.ERROR)
  expect(spans.find((span) => span.name.endsWith('sees'))).toMatchObject({ traceId: root.traceId, parentSpanId: root.spanId })
})

test('an orchestrator shared by replicas: the leader\'s run span parents the pool task\'s spans', async () => {
  sdk.exporter.reset()
  const pool = new ParallelProcessor({ workers: 1, filename: WORKER })
  pools.push(pool)
  const orchestrator = new Orchestrator(pool, { cluster: { redis: redis.url, name: `traces-${process.pid}-${Date.now()}` } })
  try {
    orchestrator.register('double', { payload: { n: 6 } })
    await orchestrator.start()
    expect((await orchestrator.trigger('double')).doubled).toBe(12)
  } finally {
    await orchestrator.stop({ timeoutMs: 0 })
  }
  await waitFor(() => finished('parallel-processor execute').length === 1, 5000, 'the execute span')
  const [run] = finished('orchestrator run double')
  expect(run).toMatchObject({ attributes: { 'parallel_processor.job': 'double', 'parallel_processor.attempt': 1, 'parallel_processor.outcome': 'success' } })
  const [execute] = finished('parallel-processor execute')
  expect(execute).toMatchObject({ traceId: run.traceId, parentSpanId: run.spanId })
  const spans = await pool.execute(null, { name: 'finishedSpans' })
  expect(spans.find((span) => span.name === 'parallel-processor run default')).toMatchObject({ traceId: run.traceId, parentSpanId: execute.spanId })
})
