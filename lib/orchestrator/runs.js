'use strict'

/**
 * What an orchestrator keeps of a run in JavaScript, and how a run's attempt
 * is started: shared by an orchestrator of one process (orchestrator.js) and
 * the leader of one shared by replicas (cluster/leader.js).
 */
const { jobExportName, jobEnvelope } = require('../shared/job-handler')
const { internalsOf } = require('../pool/internal')

/** One logical execution of a job: its attempts, what they ran with, and who awaits it. */
class Run {
  constructor(id, job) {
    this.id = id
    this.job = job
    /** { run } or { name, filename } (and the job's payload), fixed at the first attempt. */
    this.handler = undefined
    this.payload = undefined
    this.hasPayload = false
    /** { resolve, reject } of each trigger()/retryDeadLetter() promise of this run. */
    this.waiters = []
    this.attempt = 0
    this.timeoutMs = 0
    this.deadLetter = null
    this.controller = null
    /** Ends the current attempt's span (lib/observability/tracing.js), when traced. */
    this.endSpan = null
    /** The current attempt was ended by the machine: its code's outcome comes too late. */
    this.aborted = false
    this.result = undefined
    this.error = undefined
  }

  usePayload(payload) {
    this.payload = payload
    this.hasPayload = true
  }

  begin(attempt, timeoutMs, deadLetter) {
    this.attempt = attempt
    this.timeoutMs = timeoutMs
    this.deadLetter = deadLetter ?? null
    this.controller = new AbortController()
    this.endSpan = null
    this.aborted = false
    this.error = undefined
  }

  isCurrent(attempt) {
    return attempt === this.attempt && !this.aborted
  }

  attemptEnded(ok, value) {
    if (ok) this.result = value
    else this.error = value
  }

  abort(reason) {
    this.aborted = true
    this.error = reason
    // Its code may never settle (a `run` function deaf to its signal): the span ends now.
    this.endSpan?.(false, reason)
    this.controller?.abort(reason)
  }
}

/** What `ctx.job` says of the attempt a `start` output begins. */
function jobContext({ job, run, attempt, trigger, scheduledAt }) {
  return { name: job, runId: run, attempt, trigger, scheduledAt: dateOrNull(scheduledAt) }
}

/**
 * A run of a module export is an ordinary pool task: the pool enforces its
 * timeout (terminating the worker) and contains its crash. Its handler is
 * reached through a job's export name, which sets `ctx.job` (lib/shared/job-handler.js).
 */
function executeOnPool(pool, run, context) {
  const { name, filename } = run.handler
  return pool.execute(jobEnvelope(context, run.payload), {
    name: jobExportName(name),
    filename,
    timeoutMs: run.timeoutMs,
    signal: run.controller.signal,
  })
}

/**
 * Begins the attempt a `start` output says, on the pool or on this thread;
 * returns `{ settled, context }`: the attempt's promise and its `ctx.job`.
 * With the pool's tracing on, the attempt runs in a span of its own.
 */
function startAttempt(pool, run, output) {
  const context = jobContext(output)
  const start = () => (run.handler.run === undefined ? executeOnPool(pool, run, context) : callOnMainThread(run, context))
  const tracing = internalsOf(pool).tracing
  if (tracing === null) return { settled: start(), context }
  const { settled, end } = tracing.traceAttempt(output, start)
  run.endSpan = end
  return { settled, context }
}

/** A `run` job: the function on this thread with `(payload, ctx)`; a throw is a rejection. */
function callOnMainThread(run, context) {
  const ctx = { job: context, signal: run.controller.signal }
  return new Promise((resolve) => resolve(run.handler.run(run.payload, ctx)))
}

function jobStatus(job) {
  return {
    mode: job.mode,
    enabled: job.enabled,
    state: job.state,
    runs: job.runs,
    successes: job.successes,
    failures: job.failures,
    consecutiveFailures: job.consecutiveFailures,
    lastRunAt: dateOrNull(job.lastRunAt),
    lastSuccessAt: dateOrNull(job.lastSuccessAt),
    lastError: job.lastError ?? null,
    lastDurationMs: job.lastDurationMs ?? null,
    nextRunAt: dateOrNull(job.nextRunAt),
  }
}

function dateOrNull(ms) {
  return ms === null || ms === undefined ? null : new Date(ms)
}

/** What the core keeps of an error: its message (a thrown non-error: its string). */
function describe(error) {
  if (error instanceof Error || (error !== null && typeof error === 'object' && typeof error.message === 'string')) return error.message
  return String(error)
}

/**
 * Emits an orchestrator's event. A listener that throws must not break the
 * scheduler, nor silence the listeners after it: each is called on its own,
 * and a throw becomes a process warning (`process.on('warning')`: name
 * OrchestratorListenerWarning, `cause` the error thrown).
 */
function emitSafely(emitter, event, detail) {
  // rawListeners: a once() listener's wrapper, which removes it when called.
  for (const listener of emitter.rawListeners(event)) {
    try {
      Reflect.apply(listener, emitter, [detail])
    } catch (error) {
      const warning = new Error(`A listener of the orchestrator's '${event}' event threw: ${describe(error)}`, { cause: error })
      warning.name = 'OrchestratorListenerWarning'
      process.emitWarning(warning)
    }
  }
}

module.exports = { Run, startAttempt, jobContext, jobStatus, dateOrNull, describe, emitSafely }
