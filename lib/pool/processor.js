'use strict'

/**
 * `ParallelProcessor`: the JavaScript face of the Rust core. It validates,
 * encodes, and hands out one promise per task. Every decision (which
 * worker, when a task times out, whom a crash rejects, when to respawn) is
 * made by the core; what the core then says is read by CoreEvents, which
 * settles tasks and starts or stops workers through the collaborators below.
 */
const { EventEmitter } = require('node:events')
const { PoolHandle, SubmitRefusal } = require('../native')
const errors = require('../shared/errors')
const { jsonOf } = require('../shared/codec')
const { ClusterSubmissions } = require('../cluster/submissions')
const { resolveProcessorOptions, resolveExecuteOptions, resolveCloseOptions, modulePath } = require('./options')
const { processSettings } = require('./process-settings')
const { RUNTIME, RUNTIME_VERSION, missingFeature } = require('../shared/runtime')
const { encodePayload } = require('./payload')
const { declareInternals } = require('./internal')
const { PendingTasks } = require('./pending-tasks')
const { SidePayloads } = require('./side-payloads')
const { Workers } = require('./workers')
const { CoreEvents } = require('./core-events')
const { EventLoopHold } = require('./event-loop-hold')
const { OrchestratorList, poolMetricsText } = require('../observability/metrics')
const { PoolTracing } = require('../observability/tracing')

const asyncDispose = Symbol.asyncDispose ?? Symbol.for('nodejs.asyncDispose')

class ParallelProcessor extends EventEmitter {
  #config
  /** PoolInternals (see internal.js): also what execute()'s options default to. */
  #internals
  #handle
  #tasks
  /** A thread pool's tasks with JSON payloads go through `PendingTasks.submitText`. */
  #submitsText = false
  #side
  #workers
  #cluster = null
  #events
  #hold
  /** OpenTelemetry spans (lib/observability/tracing.js); null when off or when the API is not installed. */
  #tracing
  /** filename -> export name (null: default) -> handler id. */
  #handlerIds = new Map()
  #disposing = null
  #closing = null
  #markClosed = null
  /** Cluster pools: resolves the wait for the node to leave its queue on dispose(). */
  #markLeft = null
  /** The core has finished what it held since close() (cluster pools also wait for their submissions). */
  #coreClosed = false

  constructor(workersOrOptions, options) {
    super()
    const config = resolveProcessorOptions(workersOrOptions, options)
    const missing = missingFeature(config)
    if (missing !== null) throw new errors.UnsupportedRuntimeError({ runtime: RUNTIME, runtimeVersion: RUNTIME_VERSION, missing })
    this.#config = config
    this.#tracing = PoolTracing.of(config, (payload, options) => this.#submit(payload, options))
    this.#internals = declareInternals(this, {
      filename: config.filename,
      taskTimeoutMs: config.taskTimeoutMs,
      maxWorkers: config.maxWorkers,
      cluster: config.cluster,
      checkedFilename: checkedFilenames(),
      orchestrators: new OrchestratorList(),
      drainEvents: () => this.#events.drain(),
      tracing: this.#tracing,
    })
    // What is left undefined takes the core's default (src/core/pool/mod.rs).
    this.#handle = new PoolHandle(
      {
        minWorkers: config.minWorkers,
        maxWorkers: config.maxWorkers,
        idleTimeoutMs: config.idleTimeoutMs,
        concurrentTasksPerWorker: config.concurrentTasksPerWorker,
        // A cluster's backlog is bounded in Redis, not here.
        maxQueue: config.cluster === null ? config.maxQueue : Infinity,
        maxQueueWaitMs: config.maxQueueWaitMs,
        maxTasksPerWorker: config.maxTasksPerWorker,
        maxWorkerMemoryMb: config.maxWorkerMemoryMb,
        restartBackoffInitialMs: config.restartBackoffMs?.initial,
        restartBackoffMaxMs: config.restartBackoffMs?.max,
        abortGraceMs: config.abortGraceMs,
      },
      config.kind === 'process' ? processSettings(config) : null,
      () => this.#events.drain(),
      clusterSettings(config),
    )
    const handle = this.#handle
    const threadPoolId = config.kind === 'thread' && config.cluster === null ? handle.id : null
    this.#tasks = new PendingTasks((id, failed) => this.#settled(id, failed), threadPoolId)
    this.#submitsText = threadPoolId !== null
    this.#workers = new Workers({
      config,
      poolId: handle.id,
      emit: (event, ...args) => this.#events.emit(event, ...args),
      reportExit: (workerId, exitCode, error) => {
        handle.workerExited(workerId, exitCode, error)
        this.#events.drain()
      },
    })
    this.#side = new SidePayloads((workerId) => this.#workers.sidecarOf(workerId))
    this.#hold = new EventLoopHold(handle, () => this.#wantsEventLoop())
    if (config.cluster !== null) {
      this.#cluster = new ClusterSubmissions({ handle, tasks: this.#tasks, internals: this.#internals, config, changed: () => this.#hold.update() })
    }
    this.#events = new CoreEvents({
      handle,
      config,
      tasks: this.#tasks,
      workers: this.#workers,
      side: this.#side,
      cluster: this.#cluster,
      emitter: this,
      lifecycle: {
        closed: () => {
          this.#coreClosed = true
          this.#closeIfDone()
        },
        left: () => {
          this.#markLeft?.()
          this.#markLeft = null
        },
        drained: () => this.#hold.update(),
      },
    })
    this.#events.holdUntilNextTick(() => {
      handle.start()
      this.#events.drain()
    })
  }

  /** The pool's default module (absolute path), or null. */
  get filename() { return this.#config.filename }
  get taskTimeoutMs() { return this.#config.taskTimeoutMs }
  get size() { return this.#handle.size }
  get queueSize() { return this.#handle.queueSize }
  get running() { return this.#handle.running }
  get disposed() { return this.#disposing !== null }

  execute(payload, options) {
    // Tracing on: a span around the same path, when there is a trace to join.
    if (this.#tracing !== null) return this.#tracing.execute(payload, options)
    return this.#submit(payload, options)
  }

  /** execute() without tracing. */
  #submit(payload, options) {
    if (this.#disposing !== null || this.#closing !== null) return Promise.reject(new errors.DisposedError())
    if (this.#cluster !== null) return this.#cluster.submit(payload, options)
    let handlerId
    let resolved
    let encoded = null
    let side = null
    try {
      resolved = resolveExecuteOptions(options, this.#internals)
      if (resolved.filename === null) {
        throw errors.invalidValue('No worker module: pass "filename" to the constructor or to execute()')
      }
      handlerId = this.#handlerId(resolved.filename, resolved.name)
      if (resolved.signal !== null && resolved.signal.aborted) throw new errors.AbortError(resolved.signal.reason)
      if (resolved.transferList === undefined) encoded = jsonOf(payload)
      if (encoded === null) ({ encoded, side } = encodePayload(payload, resolved.transferList, this.#config.kind, resolved.retries))
    } catch (error) {
      return Promise.reject(error)
    }
    const { timeoutMs, priority, retries, signal } = resolved
    if (this.#submitsText && signal === null && typeof encoded === 'string') {
      // The commonest task, submitted and given its promise in one call.
      const promise = this.#tasks.submitText(handlerId, encoded, timeoutMs, priority, retries)
      if (typeof promise === 'string') return Promise.reject(this.#refusal(promise))
      this.#hold.update()
      return promise
    }
    let id
    if (side !== null) id = this.#handle.submitAnnounced(handlerId, timeoutMs, priority, retries)
    else if (typeof encoded === 'string') id = this.#handle.submitText(handlerId, encoded, timeoutMs, priority, retries)
    else if (Buffer.isBuffer(encoded)) id = this.#handle.submit(handlerId, encoded, timeoutMs, priority, retries)
    else id = this.#handle.submitParts(handlerId, encoded.head, encoded.bytes, timeoutMs, priority, retries)
    // A task id, or why it was refused (a SubmitRefusal, by name).
    if (typeof id === 'string') return Promise.reject(this.#refusal(id))
    const promise = this.#tasks.add(id)
    if (signal !== null) this.#watch(id, signal)
    if (side !== null) {
      this.#side.hold(id, side)
      // An idle worker may have taken it already: its payload goes out now.
      this.#events.drain()
    }
    this.#hold.update()
    return promise
  }

  /** Rejects every pending task with DisposedError and stops every worker. */
  dispose() {
    if (this.#disposing !== null) return this.#disposing
    // A close() in progress ends with this disposal.
    this.#markClosed?.()
    this.#handle.dispose()
    this.#disposing = Promise.resolve() // marks the pool disposed while the events below run
    this.#events.drain()
    const exits = this.#workers.allExited()
    if (this.#cluster !== null) {
      // The drain above acknowledged what finished; now the node leaves its
      // queue, and the others take back at once what it still held. Its own
      // submissions stay in the queue and run; their promises end here.
      exits.push(new Promise((resolve) => { this.#markLeft = resolve }))
      this.#handle.clusterLeave()
      this.#tasks.rejectAll(() => new errors.DisposedError())
    }
    // Hold the event loop open until the workers are gone, so that code after
    // `await pool.dispose()` runs even when nothing else keeps the process alive.
    this.#hold.update()
    this.#disposing = Promise.all(exits).then(() => {
      this.#handle.shutdown()
      this.#hold.forget()
    })
    return this.#disposing
  }

  /**
   * Refuses new tasks, lets the others finish, then disposes; disposes anyway
   * after `timeoutMs`. `force`: the tasks still queued reject at once, only
   * the running ones finish (also when a close() is already under way).
   */
  close(options) {
    let resolved
    try {
      resolved = resolveCloseOptions(options)
    } catch (error) {
      return Promise.reject(error)
    }
    if (this.#closing !== null) {
      if (resolved.force && this.#disposing === null) this.#dropQueued()
      return this.#closing
    }
    if (this.#disposing !== null) return this.#disposing
    const { timeoutMs, force } = resolved
    const closed = new Promise((resolve) => { this.#markClosed = resolve })
    let timer
    const timedOut = new Promise((resolve) => {
      if (timeoutMs !== Infinity) {
        timer = setTimeout(resolve, timeoutMs)
        // Pending tasks hold the process open; the deadline alone must not.
        timer.unref()
      }
    })
    this.#closing = Promise.race([closed, timedOut]).then(() => {
      clearTimeout(timer)
      return this.dispose()
    })
    this.#handle.close()
    if (force) this.#dropQueued()
    this.#events.drain()
    return this.#closing
  }

  /**
   * close({ force }): what waits rejects with DisposedError now. Locally,
   * that is the core's queue (its Disposed settlements are read by the drain
   * that follows). A cluster pool's queue is in Redis and belongs to every node:
   * this node stops waiting for its own submissions (their promises reject,
   * the tasks stay in the queue and run elsewhere, as after dispose()); what
   * its workers hold finishes, and what they had not started went back to
   * the queue with close().
   */
  #dropQueued() {
    if (this.#cluster === null) {
      this.#handle.dropQueued()
      this.#events.drain()
    } else {
      this.#tasks.rejectAll(() => new errors.DisposedError())
      this.#hold.update()
    }
  }

  /**
   * Retires every current worker gracefully (each finishes what it runs, and
   * leaves once its replacement is ready); resolves when all have left.
   */
  recycleWorkers() {
    if (this.#disposing !== null || this.#closing !== null) return Promise.reject(new errors.DisposedError())
    const retiring = this.#handle.recycle()
    this.#events.drain()
    return Promise.all(retiring.map((id) => this.#workers.exited(id))).then(() => {})
  }

  [asyncDispose]() {
    return this.dispose()
  }

  stats() {
    // The core's snapshot in the API's shape (src/binding/stats.rs), plus
    // what only this thread knows: each worker thread's id.
    const stats = this.#handle.stats()
    if (this.#cluster !== null) stats.cluster = this.#handle.clusterStats()
    if (this.#config.kind === 'thread') {
      for (const worker of stats.workers) {
        const threadId = this.#workers.threadIdOf(worker.id)
        if (threadId !== undefined) worker.threadId = threadId
      }
    }
    return stats
  }

  /**
   * Prometheus text of the pool, its cluster and its orchestrators, computed
   * now from what they count anyway (see lib/observability/metrics.js).
   */
  metrics() {
    return poolMetricsText(() => ({
      kind: this.#config.kind,
      disposed: this.#disposing !== null || this.#closing !== null,
      stats: this.stats(),
      times: this.#handle.exportedTimes(),
      exits: this.#events.exitsByReason,
    }), this.#internals.orchestrators)
  }

  /** Aborts the task when `signal` does; forgets the signal when the task settles. */
  #watch(id, signal) {
    this.#tasks.watch(id, signal, () => {
      // Remembered only if the abort took: the ABORTED event, read by the
      // drain below, takes it back.
      if (this.#handle.abort(id)) this.#tasks.aborted(id, signal.reason)
      this.#events.drain()
    })
  }

  #refusal(refusal) {
    switch (refusal) {
      case SubmitRefusal.QueueFull: return new errors.QueueFullError(this.#config.maxQueue)
      case SubmitRefusal.StartFailing: return new errors.WorkerStartError(this.#events.lastStartError)
      case SubmitRefusal.Closed: return new errors.DisposedError()
      default: throw new Error(`unknown refusal ${refusal}`)
    }
  }

  /** The interned id of (module, export); two Map lookups, no string built per task. */
  #handlerId(filename, name) {
    let byName = this.#handlerIds.get(filename)
    if (byName === undefined) {
      byName = new Map()
      this.#handlerIds.set(filename, byName)
    }
    let id = byName.get(name)
    if (id === undefined) {
      id = this.#handle.registerHandler(filename, name)
      byName.set(name, id)
    }
    return id
  }

  #settled(id, failed) {
    this.#side.settled(id, failed)
    if (this.#closing !== null && this.#tasks.size === 0) this.#closeIfDone()
  }

  /**
   * close() is done once the core has finished what it held and, for a
   * cluster pool, once this node's own submissions have settled: they run
   * on other nodes, which the core does not see.
   */
  #closeIfDone() {
    if (this.#coreClosed && (this.#cluster === null || this.#tasks.size === 0)) this.#markClosed?.()
  }

  #wantsEventLoop() {
    if (this.#tasks.size > 0) return true
    if (this.#disposing !== null) return this.#workers.size > 0 || this.#markLeft !== null
    // A cluster node with workers serves its queue until disposed.
    return this.#cluster !== null && !this.#config.submitOnly
  }
}

/** A module named per task or job is validated once per distinct value (a path or a URL). */
function checkedFilenames() {
  const checked = new Map()
  return (filename) => {
    const key = filename instanceof URL ? filename.href : filename
    let file = checked.get(key)
    if (file === undefined) {
      file = modulePath(filename, 'filename')
      checked.set(key, file)
    }
    return file
  }
}

/** What the addon's cluster node takes, or null for a pool that is not in a cluster. */
function clusterSettings({ cluster, submitOnly, maxWorkers, concurrentTasksPerWorker, maxQueue, filename }) {
  if (cluster === null) return null
  return { ...cluster, maxQueue, filename: filename ?? undefined, capacity: submitOnly ? 0 : maxWorkers * concurrentTasksPerWorker }
}

module.exports = { ParallelProcessor }
