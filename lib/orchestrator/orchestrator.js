'use strict'

/**
 * `Orchestrator`: named jobs run on a pool, on a schedule, on demand or back
 * to back. Every decision (when a job runs, whether it may, retries, the
 * breaker, dead letters, stopping) is the core's state machine's
 * (src/orchestrator, through OrchestratorHandle); it arms its own timer and
 * rings when it has something to say. This face validates, starts what the
 * machine says to start (a pool task, or a function on the main thread),
 * reports how it ended, and keeps what only JavaScript can hold: payloads,
 * results, error objects and the promises it handed out.
 */
const { EventEmitter } = require('node:events')
const { OrchestratorHandle } = require('../native')
const errors = require('../shared/errors')
const { internalsOf } = require('../pool/internal')
const { orchestratorMetricsText } = require('../observability/metrics')
const { Run, startAttempt, jobStatus, describe, emitSafely } = require('./runs')
const {
  resolveOrchestratorOptions,
  resolveJobOptions,
  resolveStopOptions,
  resolveNextRunsOptions,
  jobName,
  checkCloneable,
} = require('./options')

/**
 * A job's schedule as registered ({ mode, everyMs, cron, timeZone, breaker }),
 * or undefined: status() does not carry it. Not public API: the dashboard
 * (lib/dashboard) reads it to show a cron job's next runs.
 */
const JOB_SCHEDULE = Symbol('jobSchedule')

/** The part of a job's spec JOB_SCHEDULE gives. */
function scheduleOf(spec) {
  if (spec === undefined) return undefined
  return { mode: spec.mode, everyMs: spec.everyMs ?? null, cron: spec.cron ?? null, timeZone: spec.timeZone ?? null, breaker: spec.breakerCooldownMs != null }
}

class Orchestrator extends EventEmitter {
  #pool
  /** The pool's PoolInternals (lib/pool/internal.js). */
  #poolInternals
  #handle
  /** Job name -> what its runs call and with what: { run, payload } or { name, filename, payload } (see resolveJobOptions). */
  #jobs = new Map()
  /** Job name -> its schedule (see JOB_SCHEDULE). */
  #schedules = new Map()
  /** Run id -> its Run, from the trigger() or first start that made it until it is over. */
  #runs = new Map()
  /** Runs that ended during the current drain: forgotten once it has read every output (a dead letter names its run after it ends). */
  #ended = []
  /** Dead letter id -> { job, payload, error }: what the core's list cannot hold. */
  #letters = new Map()
  /** 'stopped' | 'running' | 'stopping', as this side last heard it. */
  #state = 'stopped'
  /** The promise of the stop in progress, and its resolve. */
  #stopping = null
  #markStopped = null
  #referenced = false
  /** How many times stop() was called: a start() queued behind a stop is cancelled by a later one. */
  #stops = 0
  #unreferenced = false
  #draining = false

  constructor(pool, options) {
    super()
    const internals = internalsOf(pool)
    if (internals === undefined) {
      throw errors.invalidType('The "pool" argument must be a ParallelProcessor')
    }
    if (pool.disposed) throw errors.invalidValue('The pool has been disposed')
    const resolved = resolveOrchestratorOptions(options, internals.maxWorkers)
    // Shared by replicas: another class (cluster/replica.js), still an Orchestrator.
    if (new.target === ClusterOrchestrator) return
    if (options?.cluster != null) return new ClusterOrchestrator(pool, options)
    internals.orchestrators.add(this, null)
    this.#pool = pool
    this.#poolInternals = internals
    this.#handle = new OrchestratorHandle(resolved, () => this.#drain())
  }

  /** The next `count` fire times of a cron expression, by the scheduler's own engine. */
  static nextRuns(cron, options) {
    const { count, fromMs, timeZone } = resolveNextRunsOptions(cron, options)
    let times
    try {
      times = OrchestratorHandle.nextRuns(cron, timeZone, fromMs, count)
    } catch (error) {
      throw errors.invalidValue(error.message)
    }
    return times.map((ms) => new Date(ms))
  }

  /** Adds a job; on a started orchestrator it is scheduled at once. Throws on invalid options. */
  register(name, options) {
    jobName(name)
    const { spec, handler } = resolveJobOptions(options, this.#poolInternals)
    try {
      this.#handle.register(name, spec)
    } catch (error) {
      // A duplicate name, a bad cron expression or time zone, or (started) an unknown dependency or a cycle.
      throw errors.invalidValue(error.message)
    }
    this.#jobs.set(name, handler)
    this.#schedules.set(name, scheduleOf(spec))
    this.#drain()
    return this
  }

  /** Stops scheduling a job: a running run finishes; its runs not yet started reject with JobNotFoundError. */
  unregister(name) {
    this.#knownJob(name)
    try {
      this.#handle.unregister(name)
    } catch (error) {
      // Another job depends on it.
      throw errors.invalidValue(error.message)
    }
    this.#jobs.delete(name)
    this.#schedules.delete(name)
    this.#drain()
  }

  /** Enables a job: its failure count is reset and its breaker closed. */
  enable(name) {
    this.#knownJob(name)
    this.#handle.enable(name)
    this.#drain()
  }

  /** Disables a job: its ticks are skipped (a running run finishes); trigger() still runs it. */
  disable(name) {
    this.#knownJob(name)
    this.#handle.disable(name)
    this.#drain()
  }

  /** Rejects with ERR_INVALID_ARG_VALUE, naming them, for unknown dependencies and cycles. */
  start() {
    // After a stop in progress, not during it: no run of the old start may
    // overlap the new one. A stop() called after this start() cancels it.
    if (this.#stopping !== null) {
      const stops = this.#stops
      return this.#stopping.then(() => (stops === this.#stops
        ? this.start()
        : Promise.reject(new errors.OrchestratorStoppedError('stop() was called after this start(), before it could begin'))))
    }
    try {
      this.#handle.start()
    } catch (error) {
      return Promise.reject(errors.invalidValue(error.message))
    }
    this.#state = 'running'
    this.#updateReference()
    this.#drain()
    return Promise.resolve()
  }

  /**
   * No new runs; running ones finish, and are aborted after `timeoutMs`.
   * Resolves once nothing runs; every promise handed out has settled by then.
   */
  stop(options) {
    let timeoutMs
    try {
      ({ timeoutMs } = resolveStopOptions(options))
    } catch (error) {
      return Promise.reject(error)
    }
    this.#stops++
    if (this.#stopping !== null) {
      // A second stop may bring the deadline closer (a second Ctrl-C), never
      // further. (Kept first: a deadline of now ends the stop in this drain.)
      const stopping = this.#stopping
      this.#handle.stop(timeoutMs)
      this.#drain()
      return stopping
    }
    if (this.#state === 'stopped') return Promise.resolve()
    const stopping = new Promise((resolve) => { this.#markStopped = resolve })
    this.#stopping = stopping
    this.#state = 'stopping'
    this.#handle.stop(timeoutMs)
    // With nothing running it is over at once, in this drain.
    this.#drain()
    return stopping
  }

  /** Runs the job now (honouring `blocks` and `maxConcurrentJobs`); resolves with its result. */
  trigger(name, payload) {
    const hasPayload = arguments.length > 1
    try {
      jobName(name)
      const job = this.#jobs.get(name)
      if (hasPayload && job !== undefined && job.run === undefined) checkCloneable(payload)
    } catch (error) {
      return Promise.reject(error)
    }
    const answer = this.#handle.trigger(name)
    if (typeof answer !== 'number') return Promise.reject(this.#refusal(answer.error, name, `No job named "${name}"`))
    const joined = this.#runs.get(answer)
    // A waiting run it took over already carries another caller's payload:
    // this call's payload would replace it, so it is refused instead.
    if (hasPayload && joined?.hasPayload) return Promise.reject(new errors.JobBusyError(name))
    const run = joined ?? this.#runOf(answer, name)
    if (hasPayload) run.usePayload(payload)
    return this.#awaitRun(run)
  }

  /** Runs a dead letter's job again with its payload; the letter is removed if it succeeds. */
  retryDeadLetter(id) {
    if (typeof id !== 'number') return Promise.reject(errors.invalidType(`The "id" argument must be a number; received ${typeof id}`))
    if (!Number.isSafeInteger(id) || id < 1) return Promise.reject(new errors.JobNotFoundError(`No dead letter ${id}`))
    const letter = this.#letters.get(id)
    const answer = this.#handle.retryDeadLetter(id)
    if (typeof answer !== 'number') return Promise.reject(this.#refusal(answer.error, letter?.job, `No dead letter ${id}`))
    const run = this.#runOf(answer, letter?.job)
    if (letter !== undefined) run.usePayload(letter.payload)
    return this.#awaitRun(run)
  }

  /** Prometheus text of this orchestrator alone (`pool.metrics()` includes it too). */
  metrics() {
    return orchestratorMetricsText(this)
  }

  /** The core's status, in the contract's shape (times as Dates, jobs by name). */
  status() {
    const { state, running, waiting, healthy, deadLetters, jobs } = JSON.parse(this.#handle.status())
    // Jobs come in registration order, which the object's keys keep.
    return { state, running, waiting, healthy, deadLetters, jobs: Object.fromEntries(jobs.map((job) => [job.name, jobStatus(job)])) }
  }

  /** Failed runs, oldest first, with the payload they ran with and their error object. */
  deadLetters() {
    return JSON.parse(this.#handle.deadLetters()).map(({ id, job, run, error, attempts, failedAt }) => {
      const letter = this.#letters.get(id)
      return {
        id,
        job,
        runId: run,
        payload: letter?.payload,
        error: letter?.error ?? new Error(error),
        attempts,
        failedAt: new Date(failedAt),
      }
    })
  }

  clearDeadLetters() {
    this.#handle.clearDeadLetters()
    this.#drain()
  }

  /** Internal (see JOB_SCHEDULE): the job's schedule, or undefined. */
  [JOB_SCHEDULE](name) {
    return this.#schedules.get(name)
  }

  /** A started orchestrator no longer holds the process open (as a server's unref()). */
  unref() {
    this.#unreferenced = true
    this.#updateReference()
    return this
  }

  /** Undoes unref(): a started orchestrator holds the process open again. */
  ref() {
    this.#unreferenced = false
    this.#updateReference()
    return this
  }

  #knownJob(name) {
    jobName(name)
    if (!this.#jobs.has(name)) throw new errors.JobNotFoundError(`No job named "${name}"`, name)
  }

  /** The error for the core's refusal of a trigger ('busy' | 'notFound' | 'stopped'). */
  #refusal(reason, job, notFoundMessage) {
    switch (reason) {
      case 'busy': return new errors.JobBusyError(job)
      case 'notFound': return new errors.JobNotFoundError(notFoundMessage, job)
      case 'stopped': return new errors.OrchestratorStoppedError('The orchestrator is not running: it was stopped, or never started')
      default: return new Error(`unknown refusal ${reason}`)
    }
  }

  /** The Run of `id`: the one already known (a trigger that joined a waiting run), or a new one. */
  #runOf(id, job) {
    let run = this.#runs.get(id)
    if (run === undefined) {
      run = new Run(id, job)
      this.#runs.set(id, run)
    }
    return run
  }

  /** A promise of the run's result; the outputs the trigger caused are read at once. */
  #awaitRun(run) {
    const promise = new Promise((resolve, reject) => run.waiters.push({ resolve, reject }))
    this.#drain()
    return promise
  }

  /** Reads every output the machine has, in order. Runs when its doorbell rings and after each call into it. */
  #drain() {
    // A call from a listener (or a run function) leaves its outputs to the loop below.
    if (this.#draining) return
    this.#draining = true
    try {
      let batch
      while ((batch = this.#handle.drain()) !== null) {
        for (const output of JSON.parse(batch)) this.#onOutput(output)
      }
    } finally {
      this.#draining = false
      for (const run of this.#ended) if (this.#runs.get(run.id) === run) this.#runs.delete(run.id)
      this.#ended.length = 0
    }
    this.#updateReference()
  }

  #onOutput(output) {
    switch (output.kind) {
      case 'start': return this.#startAttempt(output)
      case 'abort': return this.#abortAttempt(output)
      case 'succeeded': return this.#onSucceeded(output)
      case 'failed': return this.#onFailed(output)
      case 'cancelled': return this.#onCancelled(output)
      case 'skipped': return this.#emitSafely('jobSkipped', { job: output.job, reason: output.reason })
      case 'disabled': return this.#emitSafely('jobDisabled', { job: output.job, consecutiveFailures: output.consecutiveFailures })
      case 'breakerOpen': return this.#emitSafely('breakerOpen', { job: output.job })
      case 'breakerClose': return this.#emitSafely('breakerClose', { job: output.job })
      case 'deadLetter': return this.#onDeadLetter(output)
      case 'deadLetterRemoved': return void this.#letters.delete(output.id)
      case 'stopped': return this.#onStopped()
      default: throw new Error(`unknown orchestrator output ${output.kind}`)
    }
  }

  /** The machine says: start this attempt now. Its end is reported back with runFinished. */
  #startAttempt(output) {
    const { run: id, job, attempt, trigger, timeoutMs, deadLetter } = output
    const run = this.#runOf(id, job)
    if (run.handler === undefined) {
      const registered = this.#jobs.get(job)
      if (registered === undefined) {
        // Unregistered between the machine's decision and now: nothing to call.
        this.#handle.runFinished(id, attempt, false, `The job "${job}" is not registered`)
        return
      }
      run.handler = registered
      // A trigger's payload, else a dead letter's, else the job's own.
      if (!run.hasPayload) run.usePayload(deadLetter == null ? registered.payload : this.#letters.get(deadLetter)?.payload)
    }
    run.begin(attempt, timeoutMs, deadLetter)
    const { settled, context } = startAttempt(this.#pool, run, output)
    settled.then(
      (result) => this.#attemptEnded(run, attempt, true, result),
      (error) => this.#attemptEnded(run, attempt, false, error),
    )
    this.#emitSafely('jobStart', { job, runId: id, attempt, trigger, scheduledAt: context.scheduledAt })
  }

  /** How the attempt's code ended; ignored if the machine has ended it already (stop's deadline, an enforced timeout). */
  #attemptEnded(run, attempt, ok, value) {
    if (this.#runs.get(run.id) !== run || !run.isCurrent(attempt)) return
    run.attemptEnded(ok, value)
    this.#handle.runFinished(run.id, attempt, ok, ok ? null : describe(value))
    this.#drain()
  }

  /** The machine ended the attempt (stop's deadline, or a main-thread run past its timeoutMs): its signal aborts. */
  #abortAttempt({ run: id, timedOut }) {
    const run = this.#runs.get(id)
    if (run === undefined) return
    const reason = timedOut
      ? new errors.TimeoutError(run.timeoutMs, 1, 'its signal was aborted')
      : new errors.OrchestratorStoppedError(`The run was aborted by stop() after its timeoutMs`)
    run.abort(reason)
  }

  #onSucceeded({ run: id, job, durationMs }) {
    const run = this.#runs.get(id)
    const result = run?.result
    this.#endRun(run, (waiter) => waiter.resolve(result))
    this.#emitSafely('jobSuccess', { job, runId: id, durationMs, result })
  }

  #onFailed({ run: id, job, attempt, error: message, timedOut, willRetry }) {
    const run = this.#runs.get(id)
    const error = run?.error ?? (timedOut ? new errors.TimeoutError(run?.timeoutMs ?? 0) : new Error(message))
    if (!willRetry) {
      // A retried dead letter that failed again keeps its letter, with this error.
      const letter = run?.deadLetter == null ? undefined : this.#letters.get(run.deadLetter)
      if (letter !== undefined) letter.error = error
      this.#endRun(run, (waiter) => waiter.reject(error))
    }
    this.#emitSafely('jobFailure', { job, runId: id, attempt, error, willRetry })
  }

  /** A run that will never start (stop, unregister): its trigger promises reject. */
  #onCancelled({ run: id, job, reason }) {
    const error = reason === 'notFound'
      ? new errors.JobNotFoundError(`The job "${job}" was unregistered before its run started`, job)
      : reason === 'abortedByStop'
        ? new errors.OrchestratorStoppedError('The run was aborted by stop() after its timeoutMs')
        : new errors.OrchestratorStoppedError('The orchestrator was stopped before the run started')
    this.#endRun(this.#runs.get(id), (waiter) => waiter.reject(error))
  }

  #onDeadLetter({ id, job, run: runId, error: message }) {
    const run = this.#runs.get(runId)
    const error = run?.error ?? new Error(message)
    this.#letters.set(id, { job, payload: run?.payload, error })
    this.#emitSafely('deadLetter', { id, job, runId, error })
  }

  #onStopped() {
    this.#state = 'stopped'
    // Every run has been settled by the machine; this is only a guard that no promise is left pending.
    const leftover = new errors.OrchestratorStoppedError()
    for (const run of this.#runs.values()) this.#endRun(run, (waiter) => waiter.reject(leftover))
    const markStopped = this.#markStopped
    this.#stopping = null
    this.#markStopped = null
    markStopped?.()
  }

  /** Settles the run's promises, each once, and forgets the run at the end of the drain. */
  #endRun(run, settle) {
    if (run === undefined) return
    const waiters = run.waiters
    run.waiters = []
    for (const waiter of waiters) settle(waiter)
    this.#ended.push(run)
  }

  /** Held while started (running or stopping), unless unref()'d: the core's doorbell keeps the loop alive. */
  #updateReference() {
    const wanted = this.#state !== 'stopped' && !this.#unreferenced
    if (wanted !== this.#referenced) {
      this.#referenced = wanted
      this.#handle.setReferenced(wanted)
    }
  }

  /** A listener that throws never breaks the scheduler (see runs.js). */
  #emitSafely(event, detail) {
    emitSafely(this, event, detail)
  }
}

const ClusterOrchestrator = require('./cluster/replica').defineClusterOrchestrator(Orchestrator, JOB_SCHEDULE, scheduleOf)

module.exports = { Orchestrator, JOB_SCHEDULE }
