'use strict'

/**
 * The worker's side of a traced task (lib/shared/traced-handler.js): the
 * handler runs in a span `parallel-processor run <export>`, child of the
 * caller's span, with that span active, so that spans the handler makes
 * belong to the caller's trace. `@opentelemetry/api` is loaded only here,
 * when a worker first meets a traced task: a worker that is never sent a
 * trace context never loads it.
 *
 * Spans are exported by whatever SDK the worker registered (each worker is an
 * isolate of its own: the main thread's SDK is not there); without one, the
 * API's no-op tracer costs next to nothing. A worker that is terminated (a
 * timeout, a crash) ends no span: the caller's span records that outcome.
 */
const { isMainThread } = require('node:worker_threads')
const { traceApi, recordError } = require('../shared/trace-api')
const { exportOfJob } = require('../shared/job-handler')

const TRACER_NAME = 'parallel-processor'

/**
 * `handler` as a traced export: called with the envelope `[traceContext,
 * payload]`, it calls `handler(payload, ctx)` in its span. `name` is the
 * export name inside the traced one (null: the default export).
 */
function tracingHandler(handler, name, filename) {
  const api = traceApi()
  if (api === null) return (envelope, ctx) => handler(envelope[1], ctx)
  const jobExport = exportOfJob(name)
  const exportName = (jobExport === undefined ? name : jobExport) ?? 'default'
  const spanName = `parallel-processor run ${exportName}`
  const tracer = api.trace.getTracer(TRACER_NAME)
  const kind = isMainThread ? 'process' : 'thread'

  return function runTraced(envelope, ctx) {
    const parent = api.trace.setSpanContext(api.ROOT_CONTEXT, spanContextOf(api, envelope[0]))
    const attributes = {
      'parallel_processor.handler': exportName,
      'parallel_processor.kind': kind,
      'parallel_processor.task_id': ctx.taskId,
      'parallel_processor.worker_id': ctx.workerId,
      'code.file.path': filename,
    }
    if (ctx.delivery !== undefined) attributes['parallel_processor.delivery'] = ctx.delivery
    const span = tracer.startSpan(spanName, { kind: api.SpanKind.CONSUMER, attributes }, parent)
    let value
    let thenable
    try {
      value = api.context.with(api.trace.setSpan(parent, span), handler, undefined, envelope[1], ctx)
      thenable = isThenable(value) // may throw, as the task runner's own check would
    } catch (error) {
      end(api, span, false, error)
      throw error
    }
    if (!thenable) {
      end(api, span, true)
      return value
    }
    // Not Promise.resolve(value): it reads `constructor`, which may throw.
    return new Promise((resolve) => resolve(value)).then(
      (result) => {
        end(api, span, true)
        return result
      },
      (error) => {
        end(api, span, false, error)
        throw error
      },
    )
  }
}

/** The caller's span context, from its wire form `[traceId, spanId, traceFlags, traceState?]`. */
function spanContextOf(api, [traceId, spanId, traceFlags, traceState]) {
  const spanContext = { traceId, spanId, traceFlags, isRemote: true }
  // createTraceState came with API 1.5; the peer range starts earlier.
  if (traceState !== undefined && typeof api.createTraceState === 'function') spanContext.traceState = api.createTraceState(traceState)
  return spanContext
}

function end(api, span, ok, error) {
  span.setAttribute('parallel_processor.outcome', ok ? 'success' : 'error')
  if (!ok) recordError(api, span, error)
  span.end()
}

function isThenable(value) {
  return value !== null && (typeof value === 'object' || typeof value === 'function') && typeof value.then === 'function'
}

module.exports = { tracingHandler }
