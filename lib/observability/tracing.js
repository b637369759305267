'use strict'

/**
 * OpenTelemetry spans of a pool on the caller's side, when
 * `@opentelemetry/api` is installed and the pool was not built with
 * `telemetry: false` (otherwise the pool holds no PoolTracing at all, and
 * `execute()` pays one null check).
 *
 * `execute()` makes a span `parallel-processor execute` (a child of the
 * active span, else the root of a trace) and sends its context to the worker
 * with the task (lib/shared/traced-handler.js); the worker runs the handler
 * in a child span (lib/worker/tracing.js). With the API but no SDK, and no
 * trace to join, the span has no valid context: the task goes as it would
 * without tracing, nothing more to the worker. An orchestrator's
 * run attempt makes a span `orchestrator run <job>` in which the pool task of
 * the run (or a `run` function) starts.
 *
 * Span kinds: the caller's span is PRODUCER and the worker's CONSUMER. A task
 * is queued (in the pool, or in Redis for a cluster) and taken by whichever
 * worker is free, possibly on another machine and much later: the hand-off of
 * a message queue, which is how trace backends draw it. The caller's span
 * stays open until the task settles, so its duration is what the caller
 * waited (queue, run, result) and its status the task's outcome.
 */
const { traceApi, traceApiGlobalKey, recordError } = require('../shared/trace-api')
const { tracedExportName, wireContext, tracedEnvelope } = require('../shared/traced-handler')
const { ProcessorError } = require('../shared/errors')
const { exportOfJob } = require('../shared/job-handler')
const { version } = require('../../package.json')

const TRACER_NAME = 'parallel-processor'
const EXECUTE_SPAN = 'parallel-processor execute'

/** Attribute names, in the project's namespace (`error.type` is set by recordError). */
const ATTRIBUTE = Object.freeze({
  handler: 'parallel_processor.handler',
  kind: 'parallel_processor.kind',
  queue: 'parallel_processor.cluster.queue',
  retries: 'parallel_processor.retries',
  attempts: 'parallel_processor.attempts',
  outcome: 'parallel_processor.outcome',
  job: 'parallel_processor.job',
  runId: 'parallel_processor.run_id',
  attempt: 'parallel_processor.attempt',
  trigger: 'parallel_processor.trigger',
})

/** The outcome of a task (or run) that failed with one of the package's errors, by its code. */
const OUTCOME_OF_CODE = Object.freeze({
  ERR_TASK_TIMEOUT: 'timeout',
  ERR_WORKER_CRASHED: 'crash',
  ERR_WORKER_START: 'start_failed',
  ABORT_ERR: 'aborted',
  ERR_PROCESSOR_DISPOSED: 'disposed',
  ERR_QUEUE_FULL: 'queue_full',
  ERR_QUEUE_TIMEOUT: 'queue_timeout',
  ERR_CLUSTER_UNAVAILABLE: 'cluster_unavailable',
  ERR_DELIVERY_LIMIT: 'delivery_limit',
  ERR_ORCHESTRATOR_STOPPED: 'aborted',
})

class PoolTracing {
  /** Where an SDK registers with the API (see traceApiGlobalKey). */
  #registry
  /** The API, its tracer and the options of every execute span (one object, not one per task), once something registered. */
  #api = null
  #tracer = null
  #producer = null
  #submit
  #kind
  #queue

  /** A pool's tracing, or null when it is off (`telemetry: false`, or no API installed). */
  static of(config, submit) {
    if (config.telemetry === false) return null
    const registry = traceApiGlobalKey()
    return registry === null ? null : new PoolTracing(registry, config, submit)
  }

  /** `submit(payload, options)`: the pool's untraced execute(). */
  constructor(registry, config, submit) {
    this.#registry = registry
    this.#submit = submit
    this.#kind = config.kind
    this.#queue = config.cluster === null ? null : config.cluster.queue
  }

  /**
   * The API once an SDK has registered a tracer provider or a context
   * manager with it, loaded then; null before (a span would be a no-op one
   * outside any trace, which the untraced path gives at no cost).
   */
  #activeApi() {
    if (this.#api !== null) return this.#api
    const registered = globalThis[this.#registry]
    if (registered === undefined || (registered.trace === undefined && registered.context === undefined)) return null
    const api = traceApi()
    if (api === null) return null
    this.#api = api
    // The global provider's tracer is a proxy: an SDK registered later is used too.
    this.#tracer = api.trace.getTracer(TRACER_NAME, version)
    this.#producer = Object.freeze({ kind: api.SpanKind.PRODUCER })
    return api
  }

  execute(payload, options) {
    // Options of the wrong shape are refused by the untraced path, as ever.
    if (options !== undefined && (options === null || typeof options !== 'object' || Array.isArray(options))) return this.#submit(payload, options)
    const name = options?.name ?? null
    if (name !== null && typeof name !== 'string') return this.#submit(payload, options)
    const api = this.#activeApi()
    if (api === null) return this.#submit(payload, options)
    // A child of the active span, or the root of a trace of its own. Without
    // an SDK, the API's no-op tracer gives a span with no valid context
    // (outside any trace): then the task goes as it would untraced, having
    // cost one small object. Attributes are set once the span is known to count.
    const span = this.#tracer.startSpan(EXECUTE_SPAN, this.#producer)
    const spanContext = span.spanContext()
    // (The no-op tracer's span has the API's own invalid context: by identity, no regex.)
    if (spanContext === api.INVALID_SPAN_CONTEXT || !api.trace.isSpanContextValid(spanContext)) return this.#submit(payload, options)
    span.setAttribute(ATTRIBUTE.handler, handlerName(name))
    span.setAttribute(ATTRIBUTE.kind, this.#kind)
    if (this.#queue !== null) span.setAttribute(ATTRIBUTE.queue, this.#queue)
    if (typeof options?.retries === 'number') span.setAttribute(ATTRIBUTE.retries, options.retries)
    const promise = this.#submit(tracedEnvelope(wireContext(spanContext), payload), { ...options, name: tracedExportName(name) })
    // The promise the caller gets is the pool's own; this branch of it ends
    // the span, once, however the task ends, and leaves no rejection unhandled.
    promise.then(
      () => endSpan(api, span, true),
      (error) => endSpan(api, span, false, error),
    )
    return promise
  }

  /**
   * Runs `start()` (which begins an orchestrator's run attempt and returns
   * its promise) in a span `orchestrator run <job>`. Returns the promise and
   * `end(false, error)`, which ends the span at once (the machine ended the attempt:
   * a `run` function that ignores its signal may never settle); the span ends
   * once, whichever comes first.
   */
  traceAttempt({ job, run, attempt, trigger }, start) {
    const api = this.#activeApi()
    if (api === null) return { settled: start(), end: () => {} }
    // A manual trigger runs in its caller's trace; any other run is started
    // by a timer or another run, whose context is no parent of it.
    const parent = trigger === 'manual' ? api.context.active() : api.ROOT_CONTEXT
    const span = this.#tracer.startSpan(`orchestrator run ${job}`, {
      kind: api.SpanKind.INTERNAL,
      attributes: { [ATTRIBUTE.job]: job, [ATTRIBUTE.runId]: String(run), [ATTRIBUTE.attempt]: attempt, [ATTRIBUTE.trigger]: trigger },
    }, parent)
    let ended = false
    const end = (ok, error) => {
      if (ended) return
      ended = true
      endSpan(api, span, ok, error)
    }
    let settled
    try {
      settled = api.context.with(api.trace.setSpan(parent, span), start)
    } catch (error) {
      end(false, error)
      throw error
    }
    settled.then(() => end(true), (error) => end(false, error))
    return { settled, end }
  }
}

/** The export's name as spans show it (a job's run: the job's export). */
function handlerName(name) {
  const jobExport = exportOfJob(name)
  return (jobExport === undefined ? name : jobExport) ?? 'default'
}

/** Ends `span` with the outcome: success, or the error's status, type and event. */
function endSpan(api, span, ok, error) {
  if (ok) {
    span.setAttribute(ATTRIBUTE.outcome, 'success')
  } else {
    span.setAttribute(ATTRIBUTE.outcome, outcomeOf(error))
    const attempts = error?.attempts
    if (typeof attempts === 'number') span.setAttribute(ATTRIBUTE.attempts, attempts)
    recordError(api, span, error)
  }
  span.end()
}

function outcomeOf(error) {
  return (error instanceof ProcessorError && OUTCOME_OF_CODE[error.code]) || 'error'
}

module.exports = { PoolTracing, ATTRIBUTE }
