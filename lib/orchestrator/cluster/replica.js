'use strict'

/**
 * An `Orchestrator` with the `cluster` option: one replica of an
 * orchestrator shared through Redis by every process that uses the same
 * Redis and `name` (src/cluster/orchestrator says how it holds).
 *
 * Every replica beats; the one that leads runs the machine for a term
 * (leader.js) and runs the jobs on its pool. Any replica's trigger(),
 * enable(), disable(), retryDeadLetter() and clearDeadLetters() are commands
 * for whoever leads, now or after a change of leader; their outcome comes
 * back as a reply. status() and deadLetters() show the leader's view: its
 * own machine on the leader, the last view it published elsewhere (at most a
 * heartbeat old, and fresh after each command this replica sent).
 */
const { OrchestratorHandle, ReplicaHandle } = require('../../native')
const errors = require('../../shared/errors')
const { internalsOf } = require('../../pool/internal')
const { resolveOrchestratorOptions, resolveJobOptions, resolveStopOptions, jobName } = require('../options')
const { jobStatus, emitSafely } = require('../runs')
const { resolveReplicaOptions } = require('./options')
const { LeaderTerm } = require('./leader')
const { packValue, unpackValue, unpackError } = require('./carried')
const { deferred } = require('../../shared/deferred')

/**
 * Builds the class once orchestrator.js has defined its base (they require each other).
 * `JOB_SCHEDULE` and `scheduleOf`: the base's internal accessor of a job's schedule.
 */
function defineClusterOrchestrator(Orchestrator, JOB_SCHEDULE, scheduleOf) {
  class ClusterOrchestrator extends Orchestrator {
    #pool
    #internals
    /** What each term's machine is made with: { maxConcurrentJobs, deadLetterLimit }. */
    #config
    #cluster
    /** Job name -> { spec, handler }, as registered here. */
    #jobs = new Map()
    /** Never started: judges registrations, and gives status() before the leader has spoken. */
    #blank
    #replica = null
    #tickets = new Map()
    #nextTicket = 0
    /** This replica's commands waiting for their reply: request id -> { resolve, reject }. */
    #requests = new Map()
    #nextRequest = 0
    /** 'stopped' | 'starting' | 'running' | 'stopping'. */
    #state = 'stopped'
    #term = null
    #info = { connected: false, replicas: 0, leader: null }
    #everConnected = false
    /** The leader's last published view: { status, letters }. */
    #snapshot = null
    /** Job name -> the options (JSON) every replica runs it with: the most recently started replica's. */
    #definitions = new Map()
    #unreferenced = false
    #starting = null
    #stopping = null

    constructor(pool, options) {
      super(pool, options)
      this.#pool = pool
      this.#internals = internalsOf(pool)
      this.#config = resolveOrchestratorOptions(options, this.#internals.maxWorkers)
      this.#cluster = resolveReplicaOptions(options.cluster, this.#internals.cluster)
      this.#internals.orchestrators.add(this, this.#cluster.name)
      this.#blank = new OrchestratorHandle(this.#config, () => {})
    }

    // What a leader term asks of its replica (leader.js).
    get config() { return this.#config }
    get replica() { return this.#replica }
    get jobs() { return this.#jobs }
    get pool() { return this.#pool }
    get referenced() { return this.#state !== 'stopped' && !this.#unreferenced }

    /** The options a job runs with: the cluster's definition, with this replica's handler. */
    specFor(name) {
      const local = this.#jobs.get(name)?.spec
      const shared = this.#definitions.get(name)
      return shared === undefined ? local : { ...JSON.parse(shared), enforceTimeout: local.enforceTimeout }
    }

    /** A ticketed operation of the replica: resolves with its `done` event, rejects with ClusterUnavailableError. */
    call(operation, ...args) {
      if (this.#replica === null) return Promise.reject(new errors.OrchestratorStoppedError())
      const ticket = ++this.#nextTicket
      const { promise, resolve, reject } = deferred()
      this.#tickets.set(ticket, { resolve, reject })
      this.#replica[operation](ticket, ...args)
      return promise
    }

    /** Emits an event; a listener that throws becomes a process warning, as the orchestrator's always do. */
    notify(event, detail) {
      emitSafely(this, event, detail)
    }

    /** The term's commit was fenced: another replica leads now. */
    leadLost(term) {
      term.end()
      if (this.#term === term) this.#term = null
    }

    register(name, options) {
      jobName(name)
      const { spec, handler } = resolveJobOptions(options, this.#internals)
      try {
        this.#blank.register(name, spec)
      } catch (error) {
        throw errors.invalidValue(error.message)
      }
      this.#jobs.set(name, { spec, handler })
      this.#term?.register(name, this.specFor(name))
      // Started: its options join the cluster's now, as they would at start().
      if (this.#state === 'running') this.call('define', [name, JSON.stringify(spec)]).catch(() => {})
      return this
    }

    unregister(name) {
      this.#knownJob(name)
      try {
        this.#blank.unregister(name)
      } catch (error) {
        throw errors.invalidValue(error.message)
      }
      this.#jobs.delete(name)
      this.#term?.unregister(name)
    }

    /** Connects, and leads if nobody does. Rejects with ClusterUnavailableError for a Redis it cannot reach or log in to. */
    start() {
      if (this.#stopping !== null) return this.#stopping.then(() => this.start())
      if (this.#starting !== null) return this.#starting
      if (this.#state === 'running') return Promise.resolve()
      try {
        this.#checkDependencies()
      } catch (error) {
        return Promise.reject(error)
      }
      this.#state = 'starting'
      this.#replica = new ReplicaHandle(this.#cluster.name, () => this.#onEvents())
      this.#updateReference()
      const { redis, replica, heartbeatMs, connectTimeoutMs, ca, sslCertFile, sslCertDir } = this.#cluster
      const definitions = [...this.#jobs].flatMap(([name, { spec }]) => [name, JSON.stringify(spec)])
      this.#starting = this.call('connect', { redis, replica, heartbeatMs, connectTimeoutMs, ca, sslCertFile, sslCertDir })
        .then(() => this.call('define', definitions))
        .then(
        () => {
          this.#starting = null
          // A stop() called meanwhile has the last word.
          if (this.#state === 'starting') this.#state = 'running'
          this.#updateReference()
        },
        (error) => {
          this.#starting = null
          this.#close()
          throw error
        },
      )
      return this.#starting
    }

    /** The graph's checks, by the machine's own rules, on a machine that never runs anything. */
    #checkDependencies() {
      const check = new OrchestratorHandle(this.#config, () => {})
      for (const [name, { spec }] of this.#jobs) check.register(name, spec)
      try {
        check.start()
      } catch (error) {
        throw errors.invalidValue(error.message)
      } finally {
        check.stop(0)
        while (check.drain() !== null);
      }
    }

    /**
     * Leaves the orchestrator: if this replica leads, its running runs
     * finish (aborted after `timeoutMs`) and are stored, then another replica
     * leads. This replica's own pending calls reject.
     */
    stop(options) {
      let timeoutMs
      try {
        ({ timeoutMs } = resolveStopOptions(options))
      } catch (error) {
        return Promise.reject(error)
      }
      if (this.#stopping !== null) {
        this.#term?.stop(timeoutMs)
        return this.#stopping
      }
      if (this.#state === 'stopped') return Promise.resolve()
      const starting = this.#starting ?? Promise.resolve()
      this.#state = 'stopping'
      this.#rejectRequests(new errors.OrchestratorStoppedError('This replica was stopped before the outcome reached it'))
      this.#stopping = starting.catch(() => {}).then(async () => {
        const term = this.#term
        if (term === null) this.#replica?.setMayLead(false)
        else await term.stop(timeoutMs)
        term?.end()
        this.#term = null
        await this.call('leave').catch(() => {})
        this.#close()
      })
      return this.#stopping
    }

    #close() {
      this.#term?.end()
      this.#term = null
      this.#replica?.close()
      this.#replica = null
      this.#rejectRequests(new errors.OrchestratorStoppedError())
      for (const { reject } of this.#tickets.values()) reject(new errors.OrchestratorStoppedError())
      this.#tickets.clear()
      this.#info = { connected: false, replicas: 0, leader: null }
      this.#state = 'stopped'
      this.#stopping = null
      this.#updateReference()
    }

    trigger(name, payload) {
      const hasPayload = arguments.length > 1
      let command
      try {
        jobName(name)
        command = { op: 'trigger', job: name, hasPayload, payload: hasPayload ? packValue(payload, 'payload') : null }
      } catch (error) {
        return Promise.reject(error)
      }
      return this.#request(command)
    }

    retryDeadLetter(id) {
      if (typeof id !== 'number') return Promise.reject(errors.invalidType(`The "id" argument must be a number; received ${typeof id}`))
      if (!Number.isSafeInteger(id) || id < 1) return Promise.reject(new errors.JobNotFoundError(`No dead letter ${id}`))
      return this.#request({ op: 'retry', id })
    }

    /** Across replicas: a promise, settled once the leader has applied it. */
    enable(name) {
      jobName(name)
      return this.#request({ op: 'enable', job: name })
    }

    /** Across replicas: a promise, settled once the leader has applied it. */
    disable(name) {
      jobName(name)
      return this.#request({ op: 'disable', job: name })
    }

    /** Across replicas: a promise, settled once the leader has applied it. */
    clearDeadLetters() {
      return this.#request({ op: 'clear' })
    }

    status() {
      const leading = this.#term?.status() ?? null
      const view = leading ?? this.#snapshot?.status ?? JSON.parse(this.#blank.status())
      const { running, waiting, healthy, deadLetters, jobs } = view
      const state = this.#state === 'starting' ? 'stopped' : this.#state
      return {
        state,
        running,
        waiting,
        healthy,
        deadLetters,
        jobs: Object.fromEntries(jobs.map((job) => [job.name, jobStatus(job)])),
        cluster: { ...this.#info, replica: this.#cluster.replica, leading: this.#term !== null },
      }
    }

    deadLetters() {
      const letters = this.#term?.deadLetters() ?? this.#snapshot?.letters ?? []
      return letters.map(({ id, job, run, error, attempts, failedAt, payload, value }) => ({
        id,
        job,
        runId: run,
        payload: unpackValue(payload),
        error: value == null ? new Error(error) : unpackError(value),
        attempts,
        failedAt: new Date(failedAt),
      }))
    }

    /** Internal (see orchestrator.js): the schedule every replica runs the job with, or undefined. */
    [JOB_SCHEDULE](name) {
      if (this.#jobs.has(name)) return scheduleOf(this.specFor(name))
      const shared = this.#definitions.get(name)
      return shared === undefined ? undefined : scheduleOf(JSON.parse(shared))
    }

    unref() {
      this.#unreferenced = true
      this.#updateReference()
      return this
    }

    ref() {
      this.#unreferenced = false
      this.#updateReference()
      return this
    }

    #updateReference() {
      this.#replica?.setReferenced(this.referenced)
      this.#term?.updateReference()
    }

    #knownJob(name) {
      jobName(name)
      if (!this.#jobs.has(name)) throw new errors.JobNotFoundError(`No job named "${name}"`, name)
    }

    #request(command) {
      if (this.#state !== 'running') {
        return Promise.reject(new errors.OrchestratorStoppedError('The orchestrator is not running: it was stopped, or never started'))
      }
      const request = `${this.#cluster.replica}:${++this.#nextRequest}`
      const { promise, resolve, reject } = deferred()
      this.#requests.set(request, { resolve, reject })
      this.call('send', request, JSON.stringify({ ...command, replica: this.#cluster.replica })).catch((error) => {
        if (this.#requests.delete(request)) reject(error)
      })
      return promise
    }

    #rejectRequests(error) {
      for (const { reject } of this.#requests.values()) reject(error)
      this.#requests.clear()
    }

    /** The replica's doorbell: every event waiting, in order. */
    #onEvents() {
      let batch
      while (this.#replica !== null && (batch = this.#replica.drain()) !== null) {
        for (const event of JSON.parse(batch)) this.#onEvent(event)
      }
    }

    #onEvent(event) {
      switch (event.kind) {
        case 'done': return this.#onDone(event)
        case 'beat': return this.#onBeat(event)
        case 'down': return this.#onDown(event)
        case 'commands': return this.#term?.applyCommands(event.commands)
        case 'replies': return this.#onReplies(event.replies)
        default: throw new Error(`unknown replica event ${event.kind}`)
      }
    }

    #onDone({ ticket, ok, fenced, loaded, unavailable, error }) {
      const waiting = this.#tickets.get(ticket)
      if (waiting === undefined) return
      this.#tickets.delete(ticket)
      if (ok) waiting.resolve({ fenced: fenced === true, ...loaded })
      else waiting.reject(unavailable ? new errors.ClusterUnavailableError(error) : new Error(`The orchestrator's Redis answered unexpectedly: ${error}`))
    }

    #onBeat({ leading, epoch, leader, replicas, status, definitions }) {
      const wasConnected = this.#info.connected
      this.#info = { connected: true, replicas, leader }
      if (!wasConnected && this.#everConnected) this.notify('clusterUp', {})
      this.#everConnected = true
      if (status != null) this.#see(status)
      // The first heartbeat comes before this replica's own definitions are in.
      if (definitions != null && this.#state !== 'starting') this.#onDefinitions(definitions)
      if (this.#term !== null && (!leading || this.#term.epoch !== epoch)) {
        this.#term.end()
        this.#term = null
      }
      if (leading && this.#term === null && this.#state === 'running') {
        const term = new LeaderTerm(this, epoch)
        this.#term = term
        term.begin().catch((error) => {
          // Redis went away while it loaded: the next heartbeat that finds
          // this replica leading begins again.
          if (this.#term === term) this.#term = null
          term.end()
          if (!(error instanceof errors.ClusterUnavailableError) && !(error instanceof errors.OrchestratorStoppedError)) {
            process.emitWarning(error)
          }
        })
      } else {
        this.#term?.commit()
      }
    }

    /**
     * The cluster's definitions changed: a job whose options differ from what
     * this replica last knew (at first, its own) says so, and the leader runs
     * it with the new ones from its next tick on.
     */
    #onDefinitions(pairs) {
      for (const [name, options] of pairs) {
        const known = this.#definitions.get(name) ?? (this.#jobs.has(name) ? JSON.stringify(this.#jobs.get(name).spec) : undefined)
        this.#definitions.set(name, options)
        if (known === undefined || known === options) continue
        this.notify('definitionChange', { job: name, from: JSON.parse(known), to: JSON.parse(options) })
        if (this.#jobs.has(name)) this.#term?.redefine(name, this.specFor(name))
      }
    }

    /** A view of the leader's, unless this replica has seen a later one (a heartbeat may bring one older than a reply did). */
    #see(text) {
      const view = JSON.parse(text)
      const [epoch, sequence] = view.order
      const seen = this.#snapshot?.order ?? [0, 0]
      if (epoch > seen[0] || (epoch === seen[0] && sequence > seen[1])) this.#snapshot = view
    }

    #onDown({ error }) {
      if (!this.#info.connected) return
      this.#info = { ...this.#info, connected: false }
      this.notify('clusterDown', { error: new errors.ClusterUnavailableError(error) })
    }

    #onReplies(replies) {
      for (const text of replies) {
        const reply = JSON.parse(text)
        if (reply.snapshot != null) this.#see(reply.snapshot)
        const waiting = this.#requests.get(reply.request)
        if (waiting === undefined) continue
        this.#requests.delete(reply.request)
        if (reply.ok) waiting.resolve(reply.value == null ? undefined : unpackValue(reply.value))
        else if (reply.refusal !== undefined) waiting.reject(refusal(reply))
        else waiting.reject(unpackError(reply.error))
      }
    }
  }
  return ClusterOrchestrator
}

/** The error for the leader's refusal of a command. */
function refusal({ refusal: reason, job, id }) {
  switch (reason) {
    case 'busy': return new errors.JobBusyError(job)
    case 'notFound': return new errors.JobNotFoundError(id === undefined ? `No job named "${job}"` : `No dead letter ${id}`, job)
    case 'stopped': return new errors.OrchestratorStoppedError('The orchestrator is not running on the leading replica')
    default: return new Error(`The leading replica refused the command: ${reason}`)
  }
}

module.exports = { defineClusterOrchestrator }
