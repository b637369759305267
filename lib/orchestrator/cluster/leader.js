'use strict'

/**
 * One leadership term of a replica: the only place the shared orchestrator's
 * machine runs while this replica leads in `epoch`. It resumes from Redis
 * (the records, the dead letters, the runs the last leader had out and the
 * commands it had not applied), then loops:
 *
 *   the machine's outputs are drained (with their durable changes),
 *   stored by one fenced commit, and only then acted on.
 *
 * So nothing starts, settles or is announced that Redis does not hold, and
 * a leader that lost the lead (fenced) acts on nothing more. One commit is
 * out at a time; outputs drained meanwhile wait for the next. A commit that
 * fails (Redis unreachable) is kept by the addon and sent again first; its
 * outputs wait, in order, until one goes through.
 *
 * Runs execute here, on this replica's pool (or through the queue of a
 * cluster pool). Whoever triggered a run, on any replica, is a waiter of
 * the run, stored with it; its outcome is a reply pushed to that replica.
 */
const { OrchestratorHandle } = require('../../native')
const errors = require('../../shared/errors')
const { Run, startAttempt, jobContext, describe } = require('../runs')
const { packValue, unpackValue, packError } = require('./carried')
const { deferred } = require('../../shared/deferred')

/** Followers' view of status() is refreshed this often at most (and after each command). */
const STATUS_EVERY_MS = 200

class LeaderTerm {
  #owner
  #epoch
  #handle = null
  /** Run id -> Run (with `waiters`: [[replica, request id]] and `payloadText`). */
  #runs = new Map()
  /** Dead letter id -> { payload, value }: base64 texts, as stored. */
  #letters = new Map()
  /** Outputs drained and not yet stored, and outputs stored by a commit whose reply never came. */
  #drained = []
  #unacted = []
  /** What the commands applied since the last commit add to it: requests done, replies. */
  #done = []
  #replies = []
  #statusDue = true
  #statusAt = 0
  /** Orders this term's views, so that a replica never goes back to an older one. */
  #statusSequence = 0
  #committing = false
  #draining = false
  #ended = false
  /** Requests being applied or whose commit is out: a command read again meanwhile is skipped. */
  #inHand = new Set()
  #stopped = null
  /** Attempts begun and ended since the machine was last told, told in one call each (see #flush). */
  #begun = { runs: [], attempts: [] }
  #endings = { runs: [], attempts: [], oks: [], errors: [] }
  #flushing = false

  /**
   * `owner`: the ClusterOrchestrator, which gives `call(op, ...args)`
   * (a ticketed operation of the replica), `jobs` (name -> { spec, handler }),
   * `pool`, `notify(event, detail)`, `specFor(name)`, `config`, `replica`
   * and `referenced`.
   */
  constructor(owner, epoch) {
    this.#owner = owner
    this.#epoch = epoch
  }

  get epoch() {
    return this.#epoch
  }

  get ended() {
    return this.#ended
  }

  /** Loads, resumes the machine, applies the commands left waiting. */
  async begin() {
    const loaded = await this.#owner.call('load')
    if (this.#ended) return
    for (const { id, payload, value } of loaded.letters) this.#letters.set(id, { payload, value })
    const lost = []
    for (const [, text] of loaded.runs) {
      const record = JSON.parse(text)
      const run = this.#runOf(record.id, record.job)
      run.waiters = record.waiters
      if (record.payload !== null) useCarried(run, record.payload)
      lost.push({ id: record.id, job: record.job, attempt: record.attempt, trigger: record.trigger, scheduledAt: record.scheduledAt ?? undefined, deadLetter: record.deadLetter ?? undefined })
    }
    this.#handle = this.#resumed(lost)
    this.updateReference()
    this.applyCommands(loaded.commands)
    this.drain()
  }

  /**
   * A machine with this replica's jobs, resumed. The jobs run with the
   * cluster's definitions; should those not make a machine here (a newer
   * replica's job depends on one this older one lacks), with its own.
   */
  #resumed(lost) {
    const { config, jobs, replica } = this.#owner
    const machine = (specOf) => {
      const handle = new OrchestratorHandle(config, () => this.drain(), replica)
      for (const name of jobs.keys()) handle.register(name, specOf(name))
      handle.resume(replica, lost)
      return handle
    }
    try {
      return machine((name) => this.#owner.specFor(name))
    } catch (error) {
      process.emitWarning(`The orchestrator runs its jobs with this replica's own options: the cluster's do not fit here (${error.message})`)
      return machine((name) => jobs.get(name).spec)
    }
  }

  /** This term is over (fenced, the lead lost, a newer epoch, stop): nothing more is stored or done. */
  end() {
    if (this.#ended) return
    this.#ended = true
    const reason = new errors.OrchestratorStoppedError('This replica no longer leads the orchestrator; another runs its jobs')
    for (const run of this.#runs.values()) run.abort(reason)
    if (this.#handle !== null) {
      this.#handle.stop(0)
      this.#handle.setReferenced(false)
    }
    this.#markStopped()
  }

  /** A stop of this replica: runs finish (until `timeoutMs`), are stored, then the term ends. */
  stop(timeoutMs) {
    if (this.#stopped === null) this.#stopped = deferred()
    if (this.#handle === null || this.#ended) this.end()
    else {
      this.#handle.stop(timeoutMs)
      this.drain()
    }
    return this.#stopped.promise
  }

  #markStopped() {
    this.#stopped?.resolve()
  }

  updateReference() {
    if (this.#handle !== null && !this.#ended) this.#handle.setReferenced(this.#owner.referenced)
  }

  status() {
    return this.#handle === null ? null : JSON.parse(this.#handle.status())
  }

  /** Every dead letter, with what was stored of its payload and error. */
  deadLetters() {
    if (this.#handle === null) return null
    return JSON.parse(this.#handle.deadLetters()).map((letter) => ({ ...letter, ...this.#letters.get(letter.id) }))
  }

  register(name, spec) {
    if (this.#handle === null || this.#ended) return
    this.#handle.register(name, spec)
    this.drain()
  }

  /** A job's options changed cluster-wide (a rolling deploy): its state goes on under the new ones. */
  redefine(name, spec) {
    if (this.#handle === null || this.#ended) return
    try {
      this.#handle.redefine(name, spec)
    } catch (error) {
      process.emitWarning(`The orchestrator keeps the job "${name}" as it was: its new definition does not fit (${error.message})`)
    }
    this.drain()
  }

  unregister(name) {
    if (this.#handle === null || this.#ended) return
    this.#handle.unregister(name)
    this.drain()
  }

  /** Commands from any replica, in the order read; each applied once. */
  applyCommands(commands) {
    if (this.#handle === null || this.#ended) return
    for (const [request, text] of commands) {
      if (this.#inHand.has(request)) continue
      this.#inHand.add(request)
      this.#apply(request, JSON.parse(text))
    }
    this.drain()
  }

  #apply(request, command) {
    const waiter = [command.replica, request]
    const answered = (reply) => {
      this.#done.push(request)
      this.#replies.push([command.replica, { request, ...reply }])
      this.#statusDue = true
    }
    switch (command.op) {
      case 'trigger':
      case 'retry': {
        const answer = command.op === 'trigger' ? this.#handle.trigger(command.job) : this.#handle.retryDeadLetter(command.id)
        if (typeof answer !== 'number') return answered({ ok: false, refusal: answer.error, job: command.job, id: command.id })
        const job = command.job ?? this.#jobOfLetter(command.id)
        const run = this.#runOf(answer, job)
        // A waiting run it joined already carries another caller's payload.
        if (command.hasPayload && run.hasPayload) return answered({ ok: false, refusal: 'busy', job })
        if (command.hasPayload) useCarried(run, command.payload)
        else if (command.op === 'retry' && !run.hasPayload) useCarried(run, this.#letters.get(command.id)?.payload ?? null)
        // Done once the run is stored with its waiters (at its start).
        run.waiters.push(waiter)
        return
      }
      case 'enable':
      case 'disable':
        try {
          this.#handle[command.op](command.job)
        } catch {
          return answered({ ok: false, refusal: 'notFound', job: command.job })
        }
        return answered({ ok: true })
      case 'clear':
        this.#handle.clearDeadLetters()
        return answered({ ok: true })
      default:
        return answered({ ok: false, refusal: 'unknown' })
    }
  }

  #jobOfLetter(id) {
    return JSON.parse(this.#handle.deadLetters()).find((letter) => letter.id === id)?.job
  }

  #runOf(id, job) {
    let run = this.#runs.get(id)
    if (run === undefined) {
      run = new Run(id, job)
      run.payloadText = null
      this.#runs.set(id, run)
    }
    return run
  }

  /** Reads the machine's outputs, then stores them (the doorbell rings here, and every call into the machine ends here). */
  drain() {
    if (this.#handle === null || this.#ended || this.#draining) return
    this.#draining = true
    try {
      let batch
      while ((batch = this.#handle.drain()) !== null) this.#drained.push(...JSON.parse(batch))
    } finally {
      this.#draining = false
    }
    this.commit()
  }

  /** Sends the next commit, if one is due and none is out. Also called on each heartbeat, to retry one that failed. */
  commit() {
    if (this.#committing || this.#ended || this.#handle === null) return
    const now = Date.now()
    const statusDue = this.#statusDue && now - this.#statusAt >= STATUS_EVERY_MS
    if (this.#drained.length === 0 && this.#done.length === 0 && this.#unacted.length === 0 && !statusDue) return
    const outputs = this.#drained.splice(0)
    const extra = this.#extraFor(outputs)
    extra.done.push(...this.#done.splice(0))
    extra.replies.push(...this.#replies.splice(0))
    if (statusDue || extra.replies.length > 0) {
      extra.status = this.#snapshot()
      this.#statusDue = false
      this.#statusAt = now
    }
    // A reply carries the view it leads to, so that its sender's status()
    // and deadLetters() show what it just did.
    extra.replies = extra.replies.map(([replica, body]) => [replica, JSON.stringify({ ...body, snapshot: extra.status })])
    this.#unacted.push(...outputs)
    this.#committing = true
    this.#owner.call('commit', this.#handle, this.#epoch, [JSON.stringify(extra)]).then(
      ({ fenced }) => {
        this.#committing = false
        if (fenced) return this.#owner.leadLost(this)
        for (const request of extra.done) this.#inHand.delete(request)
        const acting = this.#unacted.splice(0)
        for (const output of acting) this.#act(output)
        this.#flush()
      },
      () => {
        // Kept by the addon, and sent again first; its outputs wait.
        this.#committing = false
      },
    )
  }

  /** What the commit stores beside the machine's records: runs started and ended, replies, letters' payloads. */
  #extraFor(outputs) {
    const extra = { runs: [], letters: {}, done: [], replies: [] }
    const reply = (run, body) => {
      for (const [replica, request] of run.waiters) extra.replies.push([replica, { request, ...body }])
    }
    for (const output of outputs) {
      const run = this.#runs.get(output.run)
      switch (output.kind) {
        case 'start': {
          const started = this.#runOf(output.run, output.job)
          extra.runs.push([String(output.run), JSON.stringify({
            id: output.run,
            job: output.job,
            attempt: output.attempt,
            trigger: output.trigger,
            scheduledAt: output.scheduledAt,
            deadLetter: output.deadLetter,
            payload: started.payloadText,
            waiters: started.waiters,
          })])
          extra.done.push(...started.waiters.map(([, request]) => request))
          break
        }
        case 'succeeded':
          extra.runs.push([String(output.run)])
          if (run !== undefined) reply(run, carry(() => ({ ok: true, value: packValue(run.result, 'result') })))
          this.#statusDue = true
          break
        case 'failed':
          if (output.willRetry) break
          extra.runs.push([String(output.run)])
          if (run !== undefined) reply(run, { ok: false, error: packError(run.error ?? new Error(output.error)) })
          this.#statusDue = true
          break
        case 'cancelled':
          // Stopped here: its requests stay for the next leader, and a run
          // cut short by stop's deadline stays stored, as lost.
          if (output.reason !== 'notFound' || run === undefined) break
          extra.runs.push([String(output.run)])
          extra.done.push(...run.waiters.map(([, request]) => request))
          reply(run, { ok: false, refusal: 'notFound', job: output.job })
          break
        case 'deadLetter': {
          const kept = {
            payload: run?.payloadText ?? carry(() => packValue(run?.payload, 'payload'), null),
            value: packError(run?.error ?? new Error(output.error)),
          }
          this.#letters.set(output.id, kept)
          extra.letters[output.id] = [kept.payload, kept.value]
          this.#statusDue = true
          break
        }
        case 'skipped':
        case 'disabled':
        case 'breakerOpen':
        case 'breakerClose':
        case 'deadLetterRemoved':
          this.#statusDue = true
          break
        default:
          break
      }
    }
    return extra
  }

  /** What followers show for status() and deadLetters(): this machine's, with the letters' payloads. */
  #snapshot() {
    const order = `[${this.#epoch},${++this.#statusSequence}]`
    return `{"order":${order},"status":${this.#handle.status()},"letters":${JSON.stringify(this.deadLetters())}}`
  }

  #act(output) {
    const emit = (event, detail) => this.#owner.notify(event, detail)
    switch (output.kind) {
      case 'start': return this.#startAttempt(output)
      case 'abort': return this.#abortAttempt(output)
      case 'succeeded': {
        const run = this.#runs.get(output.run)
        this.#runs.delete(output.run)
        return emit('jobSuccess', { job: output.job, runId: output.run, durationMs: output.durationMs, result: run?.result })
      }
      case 'failed': {
        const run = this.#runs.get(output.run)
        if (!output.willRetry) this.#runs.delete(output.run)
        const error = output.replicaLost
          ? Object.assign(new Error(`The replica running this run was lost: ${output.error}`), { reason: 'replicaLost' })
          : run?.error ?? new Error(output.error)
        return emit('jobFailure', { job: output.job, runId: output.run, attempt: output.attempt, error, willRetry: output.willRetry, reason: output.replicaLost ? 'replicaLost' : undefined })
      }
      case 'cancelled': return void this.#runs.delete(output.run)
      case 'skipped': return emit('jobSkipped', { job: output.job, reason: output.reason })
      case 'disabled': return emit('jobDisabled', { job: output.job, consecutiveFailures: output.consecutiveFailures })
      case 'breakerOpen': return emit('breakerOpen', { job: output.job })
      case 'breakerClose': return emit('breakerClose', { job: output.job })
      case 'deadLetter': {
        const run = this.#runs.get(output.run)
        return emit('deadLetter', { id: output.id, job: output.job, runId: output.run, error: run?.error ?? new Error(output.error) })
      }
      case 'deadLetterRemoved': return void this.#letters.delete(output.id)
      case 'stopped': return this.#markStopped()
      default: throw new Error(`unknown orchestrator output ${output.kind}`)
    }
  }

  #startAttempt(output) {
    const { run: id, job, attempt, trigger, timeoutMs, deadLetter } = output
    const run = this.#runOf(id, job)
    if (run.handler === undefined) {
      const registered = this.#owner.jobs.get(job)
      if (registered === undefined) {
        this.#handle.runFinished(id, attempt, false, `The job "${job}" is not registered on the leading replica`)
        return this.drain()
      }
      run.handler = registered.handler
      if (!run.hasPayload) run.usePayload(registered.handler.payload)
    }
    run.begin(attempt, timeoutMs, deadLetter)
    this.#begun.runs.push(id)
    this.#begun.attempts.push(attempt)
    let settled
    let context
    try {
      ({ settled, context } = startAttempt(this.#owner.pool, run, output))
    } catch (error) {
      settled = Promise.reject(error)
      context = jobContext(output)
    }
    settled.then(
      (result) => this.#attemptEnded(run, attempt, true, result),
      (error) => this.#attemptEnded(run, attempt, false, error),
    )
    this.#owner.notify('jobStart', { job, runId: id, attempt, trigger, scheduledAt: context.scheduledAt })
  }

  #attemptEnded(run, attempt, ok, value) {
    if (this.#ended || this.#runs.get(run.id) !== run || !run.isCurrent(attempt)) return
    run.attemptEnded(ok, value)
    const endings = this.#endings
    endings.runs.push(run.id)
    endings.attempts.push(attempt)
    endings.oks.push(ok)
    endings.errors.push(ok ? null : describe(value))
    if (!this.#flushing) {
      // The attempts that end together (a thousand jobs of one tick) are told together.
      this.#flushing = true
      queueMicrotask(() => this.#flush())
    }
  }

  /** Tells the machine which attempts began and ended, one call each, then drains. */
  #flush() {
    this.#flushing = false
    if (this.#ended || this.#handle === null) return
    const begun = this.#begun
    if (begun.runs.length > 0) {
      this.#begun = { runs: [], attempts: [] }
      this.#handle.startsTaken(begun.runs, begun.attempts)
    }
    const endings = this.#endings
    if (endings.runs.length > 0) {
      this.#endings = { runs: [], attempts: [], oks: [], errors: [] }
      this.#handle.runsFinished(endings.runs, endings.attempts, endings.oks, endings.errors)
    }
    this.drain()
  }

  #abortAttempt({ run: id, timedOut }) {
    const run = this.#runs.get(id)
    if (run === undefined) return
    run.abort(timedOut
      ? new errors.TimeoutError(run.timeoutMs, 1, 'its signal was aborted')
      : new errors.OrchestratorStoppedError('The run was aborted by stop() after its timeoutMs'))
  }
}

/** A payload that came through Redis (base64 v8, or null for undefined), kept as it came for the run's record. */
function useCarried(run, text) {
  run.payloadText = text
  run.usePayload(unpackValue(text))
}

/** `make()`, or (a value that cannot be cloned) `fallback`, or an error reply. */
function carry(make, fallback) {
  try {
    return make()
  } catch (error) {
    if (arguments.length > 1) return fallback
    return { ok: false, error: packError(error) }
  }
}

module.exports = { LeaderTerm }
