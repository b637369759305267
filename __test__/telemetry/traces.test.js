'use strict'

/**
 * OpenTelemetry traces through real pools: the test's isolate and each
 * worker register an SDK that keeps spans in memory (otel.js); a worker's
 * spans come back through an export of its module. Parentage checked:
 * caller -> `parallel-processor execute` -> worker's span -> the handler's own.
 */
const path = require('node:path')
const { api, registerSdk, unregisterSdk, plain } = require('./otel')
const { ParallelProcessor, Orchestrator } = require('../..')
const { waitFor, whenReady } = require('../helpers')

const WORKER = path.join(__dirname, 'fixtures', 'traced-worker.js')
const { SpanKind, SpanStatusCode } = api

let sdk
/** What the SDK's diagnostics said (a second end() of a span is reported there). */
const diagnostics = []
beforeAll(() => {
  sdk = registerSdk()
  api.diag.setLogger({
    error: (message) => diagnostics.push(message),
    warn: (message) => diagnostics.push(message),
    info: () => {},
    debug: () => {},
    verbose: () => {},
  }, api.DiagLogLevel.WARN)
})
afterAll(async () => {
  api.diag.disable()
  await unregisterSdk(sdk)
})

let pools
beforeEach(() => {
  pools = []
  sdk.exporter.reset()
  diagnostics.length = 0
})
afterEach(async () => {
  await Promise.all(pools.map((pool) => pool.dispose()))
  expect(diagnostics).toEqual([])
})

function pool(options) {
  const created = new ParallelProcessor({ workers: 1, filename: WORKER, ...options })
  pools.push(created)
  return created
}

const tracer = api.trace.getTracer('test')

/** Runs `fn` in an active span `caller`; resolves with `{ value, caller }` (its span, plain) once ended. */
async function inCallerSpan(fn) {
  let span
  const value = await tracer.startActiveSpan('caller', async (started) => {
    span = started
    try {
      return await fn()
    } finally {
      started.end()
    }
  })
  return { value, caller: plain(span) }
}

/** The main side's finished spans named `name`. */
function finished(name) {
  return sdk.exporter.getFinishedSpans().map(plain).filter((span) => span.name === name)
}

/** The spans the pool's (only) worker finished; asked outside any trace. */
function workerSpans(target) {
  return target.execute(null, { name: 'finishedSpans' })
}

/** Once the execute spans of `count` tasks have ended (they end in a reaction to the task's promise). */
async function executeSpans(count) {
  await waitFor(() => finished('parallel-processor execute').length >= count, 5000, `${count} execute spans`)
  return finished('parallel-processor execute')
}

describe.each(['thread', 'process'])('%s workers', (kind) => {
  test('the handler runs in a child span of the execute span, itself a child of the caller\'s; the handler\'s spans nest under it', async () => {
    const target = pool({ kind })
    const { value, caller } = await inCallerSpan(() => target.execute({ n: 21 }))
    expect(value.doubled).toBe(42)
    expect(value.traceId).toBe(caller.traceId)

    const [execute] = await executeSpans(1)
    expect(execute).toMatchObject({
      traceId: caller.traceId,
      parentSpanId: caller.spanId,
      kind: SpanKind.PRODUCER,
      status: { code: SpanStatusCode.UNSET },
      attributes: { 'parallel_processor.handler': 'default', 'parallel_processor.kind': kind, 'parallel_processor.outcome': 'success' },
    })
    const spans = await workerSpans(target)
    const run = spans.find((span) => span.name === 'parallel-processor run default')
    const user = spans.find((span) => span.name === 'user work')
    expect(run).toMatchObject({
      traceId: caller.traceId,
      parentSpanId: execute.spanId,
      kind: SpanKind.CONSUMER,
      attributes: { 'parallel_processor.handler': 'default', 'parallel_processor.kind': kind, 'parallel_processor.outcome': 'success', 'code.file.path': WORKER },
    })
    expect(user).toMatchObject({ traceId: caller.traceId, parentSpanId: run.spanId })
    // The call for the worker's spans was made outside any trace: no span of its own.
    expect(spans.filter((span) => span.name.startsWith('parallel-processor run'))).toHaveLength(1)
  })

  test('the handler gets its payload and ctx as without tracing, whatever the payload', async () => {
    const target = pool({ kind })
    const payloads = [undefined, null, 'text', { n: 1 }, new Map([[1, 2]]), [undefined, -0], 10n, Buffer.alloc(100 * 1024, 7)]
    const { value } = await inCallerSpan(() => Promise.all(payloads.map((payload) => target.execute(payload, { name: 'sees' }))))
    value.forEach((seen, i) => {
      expect(seen.payload).toEqual(payloads[i])
      expect(seen.activeSpan).toBe(true)
      expect(seen.ctx).toEqual(['taskId', 'workerId'])
    })
    if (kind === 'thread') {
      const moved = new Uint8Array([1, 2, 3])
      const { value: seen } = await inCallerSpan(() => target.execute({ moved }, { name: 'sees', transferList: [moved.buffer] }))
      expect(seen.payload.moved).toEqual(new Uint8Array([1, 2, 3]))
      expect(moved.byteLength).toBe(0)
    }
  })

  test('a handler that throws: both spans have status ERROR, error.type and the exception', async () => {
    const target = pool({ kind })
    const { value: error } = await inCallerSpan(() => target.execute(null, { name: 'fails' }).catch((e) => e))
    expect(error.message).toBe('out of range on purpose')
    const [execute] = await executeSpans(1)
    const failed = {
      status: { code: SpanStatusCode.ERROR, message: 'out of range on purpose' },
      attributes: { 'error.type': 'E_ON_PURPOSE', 'parallel_processor.outcome': 'error' },
      events: [{ name: 'exception', attributes: expect.objectContaining({ 'exception.message': 'out of range on purpose' }) }],
    }
    expect(execute).toMatchObject(failed)
    const [run] = (await workerSpans(target)).filter((span) => span.name === 'parallel-processor run fails')
    expect(run).toMatchObject({ ...failed, parentSpanId: execute.spanId })
  })

  test('a timeout and a crash end the execute span with the error, once', async () => {
    const target = pool({ kind })
    const { value: errors } = await inCallerSpan(() => Promise.all([
      target.execute(5000, { name: 'sleeps', timeoutMs: 50 }).catch((e) => e),
      target.execute(null, { name: 'crashes', retries: 1 }).catch((e) => e),
    ]))
    expect(errors.map((e) => e.code)).toEqual(['ERR_TASK_TIMEOUT', 'ERR_WORKER_CRASHED'])
    const spans = await executeSpans(2)
    expect(spans).toHaveLength(2)
    const byHandler = Object.fromEntries(spans.map((span) => [span.attributes['parallel_processor.handler'], span]))
    expect(byHandler.sleeps).toMatchObject({
      status: { code: SpanStatusCode.ERROR },
      attributes: { 'parallel_processor.outcome': 'timeout', 'error.type': 'ERR_TASK_TIMEOUT', 'parallel_processor.attempts': 1 },
    })
    expect(byHandler.crashes).toMatchObject({
      status: { code: SpanStatusCode.ERROR },
      attributes: { 'parallel_processor.outcome': 'crash', 'error.type': 'ERR_WORKER_CRASHED', 'parallel_processor.attempts': 2, 'parallel_processor.retries': 1 },
    })
  })
})

test('every way a task ends ends its execute span once: a full queue, a queue timeout, abort, dispose', async () => {
  const target = pool({ maxQueue: 1, maxQueueWaitMs: 100 })
  // Its worker ready first: a slow start would time the first task out of the queue.
  await whenReady(target, { size: 1 })
  await target.execute(0, { name: 'sleeps' })
  await executeSpans(1)
  sdk.exporter.reset()
  const codeOf = (promise) => promise.then(() => 'ok', (e) => e.code)
  const { value: outcomes } = await inCallerSpan(async () => {
    const running = codeOf(target.execute(400, { name: 'sleeps' }))
    await waitFor(() => target.running === 1, 5000, 'the task to start')
    const waiting = codeOf(target.execute(1, { name: 'sleeps' }))
    const refused = await codeOf(target.execute(1, { name: 'sleeps' }))
    const queueTimedOut = await waiting
    const controller = new AbortController()
    const aborted = codeOf(target.execute(1, { name: 'sleeps', signal: controller.signal }))
    controller.abort()
    const early = [refused, queueTimedOut, await aborted, await running]
    const inFlight = codeOf(target.execute(5000, { name: 'sleeps' }))
    await waitFor(() => target.running === 1, 5000, 'the task to start')
    await target.dispose()
    const afterwards = await codeOf(target.execute(1))
    return [...early, await inFlight, afterwards]
  })
  expect(outcomes).toEqual(['ERR_QUEUE_FULL', 'ERR_QUEUE_TIMEOUT', 'ABORT_ERR', 'ok', 'ERR_PROCESSOR_DISPOSED', 'ERR_PROCESSOR_DISPOSED'])
  await executeSpans(6)
  // Nothing more comes: each ended once (a second end() would also be a diagnostic).
  await new Promise((resolve) => setTimeout(resolve, 50))
  const spans = finished('parallel-processor execute')
  expect(spans.map((span) => span.attributes['parallel_processor.outcome']).sort())
    .toEqual(['aborted', 'disposed', 'disposed', 'queue_full', 'queue_timeout', 'success'])
  for (const span of spans) {
    const failed = span.attributes['parallel_processor.outcome'] !== 'success'
    expect(span.status.code).toBe(failed ? SpanStatusCode.ERROR : SpanStatusCode.UNSET)
    if (failed) expect(span.attributes['error.type']).toMatch(/^(ERR_|ABORT_ERR)/)
  }
})

test('telemetry: false makes no span and sends the worker no trace context', async () => {
  const target = pool({ telemetry: false })
  const { value: seen } = await inCallerSpan(() => target.execute({ n: 1 }, { name: 'sees' }))
  expect(seen).toEqual({ payload: { n: 1 }, activeSpan: false, ctx: ['taskId', 'workerId'] })
  await inCallerSpan(() => target.execute({ n: 1 }))
  expect(finished('parallel-processor execute')).toEqual([])
  const spans = await workerSpans(target)
  expect(spans.map((span) => span.name)).toEqual(['user work'])
  // A root of its own in the worker: nothing joined it to the caller's trace.
  expect(spans[0].parentSpanId).toBeNull()
})

test('outside any trace, execute() starts one: a root span, and the worker\'s under it', async () => {
  const target = pool({})
  expect(api.trace.getActiveSpan()).toBeUndefined()
  expect(await target.execute([1, 2], { name: 'sees' })).toEqual({ payload: [1, 2], activeSpan: true, ctx: ['taskId', 'workerId'] })
  const [root] = await executeSpans(1)
  expect(root).toMatchObject({ parentSpanId: null, kind: SpanKind.PRODUCER, attributes: { 'parallel_processor.handler': 'sees' } })
  const run = (await workerSpans(target)).find((span) => span.name === 'parallel-processor run sees')
  expect(run).toMatchObject({ traceId: root.traceId, parentSpanId: root.spanId })
})

test('the option is validated like the others', () => {
  for (const telemetry of ['no', 0, null, {}]) {
    expect(() => new ParallelProcessor({ workers: 1, filename: WORKER, telemetry })).toThrow(expect.objectContaining({ name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' }))
  }
})

test('options refused as ever inside a trace', async () => {
  const target = pool({})
  const { value: errors } = await inCallerSpan(() => Promise.all([
    target.execute(1, 'options').catch((e) => e),
    target.execute(1, { name: 42 }).catch((e) => e),
    target.execute(1, { priority: 'high' }).catch((e) => e),
  ]))
  expect(errors.map((e) => e.code)).toEqual(['ERR_INVALID_ARG_TYPE', 'ERR_INVALID_ARG_TYPE', 'ERR_INVALID_ARG_TYPE'])
})

describe('orchestrator', () => {
  let orchestrator
  afterEach(async () => {
    await orchestrator?.stop()
    orchestrator = undefined
  })

  test('a run attempt makes a span, parent of the pool task\'s execute span and of a run function\'s spans', async () => {
    const target = pool({})
    orchestrator = new Orchestrator(target)
    orchestrator.register('double', { payload: { n: 4 } })
    orchestrator.register('local', { run: () => tracer.startActiveSpan('local work', (span) => span.end()) })
    orchestrator.register('broken', { name: 'fails', retries: 1, retryBackoffMs: { initial: 1, max: 1 } })
    orchestrator.start()
    expect((await orchestrator.trigger('double')).doubled).toBe(8)
    await orchestrator.trigger('local')
    await expect(orchestrator.trigger('broken')).rejects.toThrow('out of range on purpose')

    await waitFor(() => finished('orchestrator run broken').length === 2, 5000, 'the failed run\'s spans')
    const [run] = finished('orchestrator run double')
    expect(run).toMatchObject({
      kind: SpanKind.INTERNAL,
      parentSpanId: null,
      attributes: {
        'parallel_processor.job': 'double',
        'parallel_processor.run_id': expect.any(String),
        'parallel_processor.attempt': 1,
        'parallel_processor.trigger': 'manual',
        'parallel_processor.outcome': 'success',
      },
    })
    const executes = await executeSpans(2)
    const execute = executes.find((span) => span.parentSpanId === run.spanId)
    expect(execute).toMatchObject({ traceId: run.traceId, attributes: { 'parallel_processor.handler': 'default' } })
    const worker = (await workerSpans(target)).find((span) => span.name === 'parallel-processor run default')
    expect(worker).toMatchObject({ traceId: run.traceId, parentSpanId: execute.spanId })

    const [local] = finished('orchestrator run local')
    expect(finished('local work')[0]).toMatchObject({ traceId: local.traceId, parentSpanId: local.spanId })
    // One span per attempt; a retry is started by the scheduler, not by the trigger's caller.
    const broken = finished('orchestrator run broken')
    expect(broken.map((span) => [span.attributes['parallel_processor.attempt'], span.attributes['parallel_processor.trigger']])).toEqual([[1, 'manual'], [2, 'retry']])
    for (const span of broken) {
      expect(span).toMatchObject({
        status: { code: SpanStatusCode.ERROR },
        attributes: { 'parallel_processor.outcome': 'error', 'error.type': 'E_ON_PURPOSE' },
      })
    }
  })

  test('a run triggered inside a trace joins it', async () => {
    orchestrator = new Orchestrator(pool({}))
    orchestrator.register('double', { payload: { n: 1 } })
    orchestrator.start()
    const { caller } = await inCallerSpan(() => orchestrator.trigger('double'))
    await waitFor(() => finished('orchestrator run double').length === 1, 5000, 'the run\'s span')
    expect(finished('orchestrator run double')[0]).toMatchObject({ traceId: caller.traceId, parentSpanId: caller.spanId })
  })
})
