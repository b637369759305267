'use strict'

/**
 * `ParallelProcessor`: the JavaScript face of the Rust core. It validates,
 * serializes, keeps one promise per task id, and does what the core asks
 * (start or terminate a worker). Every decision (which worker, when a task
 * times out, whom a crash rejects, when to respawn) is made by the core.
 */
const { EventEmitter } = require('node:events')
const path = require('node:path')
const { Worker, MessageChannel } = require('node:worker_threads')
const v8 = require('node:v8')
const { PoolHandle, EventKind, SubmitRefusal, exitReasonNames, retireReasonNames } = require('../native')
const errors = require('../shared/errors')
const { resolveProcessorOptions, resolveExecuteOptions, resolveCloseOptions, modulePath } = require('./options')
const { jsonOf, decodeDetached, serializedParts } = require('../shared/codec')
const { survey, hold, transferablesOf, restoreBuffers, refuseSharing, createSidecar, SIDE_MARKER } = require('../shared/transfer')
const { decodeThrown, encodeThrown, inThisRealm } = require('../shared/thrown-value')
const { processSettings } = require('./process-settings')
const { signalName, decodeCause } = require('./worker-exit')
const { forEachEvent } = require('../shared/wire')
const { encodeForCluster, clusterOutcome } = require('../cluster/results')

const THREAD_RUNTIME = path.join(__dirname, '..', 'worker', 'thread', 'runtime.js')
// A frozen copy of the addon's enum: V8 then folds its values into the
// switch of #onEvent, which runs once per settled task.
const EVENT = Object.freeze({ ...EventKind })
// The names of the reasons the core's events carry as codes (one definition, in Rust).
const EXIT_REASONS = exitReasonNames()
const RETIRE_REASONS = retireReasonNames()

const asyncDispose = Symbol.asyncDispose ?? Symbol.for('nodejs.asyncDispose')

/**
 * For the orchestrator, which runs jobs on a pool: the pool's most workers
 * (its default number of jobs at once), or undefined for what is not a pool.
 * Set by the class below, which alone can read its private fields.
 */
let maxWorkersOf

class ParallelProcessor extends EventEmitter {
  static {
    maxWorkersOf = (value) => (value !== null && typeof value === 'object' && #config in value ? value.#config.maxWorkers : undefined)
  }

  #config
  #handle
  /**
   * Task id -> the resolve function of its promise, for every pending task.
   * Only `resolve` is kept (a rejection resolves with a rejected promise):
   * with 100,000 tasks queued, every byte per task counts.
   */
  #pending = new Map()
  /** Worker id -> { worker, error, exited, markExited }. */
  #workers = new Map()
  /** filename -> export name (null: default) -> handler id. */
  #handlerIds = new Map()
  /**
   * Task id -> { held, buffers, retries } for tasks whose payload travels on
   * the side channel (see transfer.js), until it is posted to its worker.
   */
  #sidecar = new Map()
  /** Task id -> the worker its side-channel payload was moved to, until it settles. */
  #postedTo = new Map()
  /** Task id -> removes its abort listener, for tasks with a signal. */
  #unwatch = new Map()
  /** Task id -> its signal's reason, between the abort and its settlement. */
  #abortReasons = new Map()
  #checkedFiles = new Map()
  /** How each worker that exited during the current drain ended: { exitCode, signal, cause }. */
  #exits = new Map()
  /** The loader's error of the last worker that failed to start. */
  #lastStartError = null
  #referenced = false
  #unreferenceQueued = false
  #draining = false
  /**
   * Where the core writes each batch of events (a bigger batch gets a buffer
   * of its own). Decoding copies what it keeps, and batches are read one at a
   * time (#draining), so reuse is safe.
   */
  #scratch = Buffer.allocUnsafeSlow(256 * 1024)
  /** Events for listeners, held while the pool's state is being updated. */
  #heldEvents = null
  #disposing = null
  #closing = null
  #markClosed = null
  /** Cluster pools: resolves the wait for the node to leave its queue on dispose(). */
  #markLeft = null
  /** The core has finished what it held since close() (cluster pools also wait for their submissions). */
  #coreClosed = false

  constructor(workersOrOptions, options) {
    super()
    this.#config = resolveProcessorOptions(workersOrOptions, options)
    // What is left undefined takes the core's default (src/core/pool/mod.rs).
    this.#handle = new PoolHandle(
      {
        minWorkers: this.#config.minWorkers,
        maxWorkers: this.#config.maxWorkers,
        idleTimeoutMs: this.#config.idleTimeoutMs,
        concurrentTasksPerWorker: this.#config.concurrentTasksPerWorker,
        // A cluster's backlog is bounded in Redis, not here.
        maxQueue: this.#config.cluster === null ? this.#config.maxQueue : Infinity,
        maxQueueWaitMs: this.#config.maxQueueWaitMs,
        maxTasksPerWorker: this.#config.maxTasksPerWorker,
        maxWorkerMemoryMb: this.#config.maxWorkerMemoryMb,
        restartBackoffInitialMs: this.#config.restartBackoffMs?.initial,
        restartBackoffMaxMs: this.#config.restartBackoffMs?.max,
      },
      this.#config.kind === 'process' ? processSettings(this.#config) : null,
      () => this.#drain(),
      this.#clusterSettings(),
    )
    // The first 'workerCreate' events wait for a tick, so that listeners
    // attached right after construction see them.
    this.#heldEvents = []
    this.#handle.start()
    this.#drain()
    const held = this.#heldEvents
    this.#heldEvents = null
    process.nextTick(() => this.#emitAll(held))
  }

  #clusterSettings() {
    const { cluster, submitOnly, maxWorkers, concurrentTasksPerWorker, maxQueue, filename } = this.#config
    if (cluster === null) return null
    return { ...cluster, maxQueue, filename: filename ?? undefined, capacity: submitOnly ? 0 : maxWorkers * concurrentTasksPerWorker }
  }

  /** The pool's default module (absolute path), or null. */
  get filename() { return this.#config.filename }
  get taskTimeoutMs() { return this.#config.taskTimeoutMs }
  get size() { return this.#handle.size }
  get queueSize() { return this.#handle.queueSize }
  get running() { return this.#handle.running }
  get disposed() { return this.#disposing !== null }

  execute(payload, options) {
    if (this.#config.cluster !== null) return this.#executeInCluster(payload, options)
    let handlerId
    let timeoutMs
    let priority
    let signal
    let retries
    let encoded = null
    let side = null
    try {
      if (this.#disposing !== null || this.#closing !== null) throw new errors.DisposedError()
      const resolved = resolveExecuteOptions(options, this)
      if (resolved.filename === null) {
        throw errors.invalidValue('No worker module: pass "filename" to the constructor or to execute()')
      }
      handlerId = this.#handlerId(resolved.filename, resolved.name)
      timeoutMs = resolved.timeoutMs
      priority = resolved.priority
      signal = resolved.signal
      retries = resolved.retries
      if (signal !== null && signal.aborted) throw new errors.AbortError(signal.reason)
      if (resolved.transferList === undefined) encoded = jsonOf(payload)
      if (encoded === null) ({ encoded, side } = this.#encodeOtherwise(payload, resolved.transferList, retries))
    } catch (error) {
      return Promise.reject(error)
    }
    let id
    if (side !== null) id = this.#handle.submitAnnounced(handlerId, timeoutMs, priority, retries)
    else if (typeof encoded === 'string') id = this.#handle.submitText(handlerId, encoded, timeoutMs, priority, retries)
    else if (Buffer.isBuffer(encoded)) id = this.#handle.submit(handlerId, encoded, timeoutMs, priority, retries)
    else id = this.#handle.submitParts(handlerId, encoded.head, encoded.bytes, timeoutMs, priority, retries)
    // A task id, or why it was refused (a SubmitRefusal, by name).
    if (typeof id === 'string') return Promise.reject(this.#refusal(id))
    const promise = new Promise((resolve) => this.#pending.set(id, resolve))
    if (signal !== null) this.#watch(id, signal)
    if (side !== null) {
      this.#sidecar.set(id, side)
      // An idle worker may have taken it already: its payload goes out now.
      this.#drain()
    }
    this.#updateReference()
    return promise
  }

  /** `execute()` of a cluster pool: every task goes through Redis (see lib/cluster.js). */
  #executeInCluster(payload, options) {
    let id
    let signal
    try {
      if (this.#disposing !== null || this.#closing !== null) throw new errors.DisposedError()
      if (options !== null && typeof options === 'object' && options.filename !== undefined) {
        throw errors.invalidValue('A cluster pool runs each node\'s own module: a per-task "filename" is refused (name an export of it with "name")')
      }
      const resolved = resolveExecuteOptions(options, this)
      signal = resolved.signal
      if (signal !== null && signal.aborted) throw new errors.AbortError(signal.reason)
      const encoded = encodeForCluster(payload, resolved.transferList)
      id = this.#handle.clusterSubmit(resolved.name ?? '', encoded, resolved.timeoutMs, resolved.priority, resolved.retries)
    } catch (error) {
      return Promise.reject(error)
    }
    const promise = new Promise((resolve) => this.#pending.set(id, resolve))
    if (signal !== null) {
      // Settled here at once; the queue deletes the task if no node has it
      // yet, else its node stops it.
      const onAbort = () => {
        this.#handle.clusterAbort(id)
        this.#settle(id, 'reject', new errors.AbortError(signal.reason))
        this.#updateReference()
      }
      signal.addEventListener('abort', onAbort, { once: true })
      this.#unwatch.set(id, () => signal.removeEventListener('abort', onAbort))
    }
    this.#updateReference()
    return promise
  }

  /**
   * A payload that is not plain JSON: `{ encoded }` (v8's format), or `{ side }`,
   * what the side channel carries (thread workers: memory to move or share,
   * or big buffers). Throws what `execute()` rejects with.
   */
  #encodeOtherwise(payload, transferList, retries) {
    const found = survey(payload, transferList)
    if (this.#config.kind === 'process') {
      refuseSharing(found, "The task's payload")
      // A big typed array is copied once, by the addon, rather than by v8.serialize and then by the addon.
      const parts = found.transfer.size === 0 ? serializedParts(payload) : null
      if (parts !== null) return { encoded: parts, side: null }
      const encoded = serializePayload(payload)
      // Copied, as a process needs; the listed buffers are detached all the
      // same, as they would be for a thread.
      if (found.transfer.size > 0) structuredClone(undefined, { transfer: [...found.transfer] })
      return { encoded, side: null }
    }
    if (!found.wantsSide) return { encoded: serializePayload(payload), side: null }
    if (retries > 0 && (found.transfer.size > 0 || found.port)) {
      throw errors.invalidValue('A task whose payload is moved (transferList, move()) cannot be retried: what it moved is gone with the worker that ran it')
    }
    return { encoded: null, side: { held: hold(payload, found), buffers: found.buffers, retries } }
  }

  /** Aborts the task when `signal` does; forgets the signal when the task settles. */
  #watch(id, signal) {
    const onAbort = () => {
      // Remembered only if the abort took: the ABORTED event, read by the
      // drain below, takes it back.
      if (this.#handle.abort(id)) this.#abortReasons.set(id, signal.reason)
      this.#drain()
    }
    signal.addEventListener('abort', onAbort, { once: true })
    this.#unwatch.set(id, () => signal.removeEventListener('abort', onAbort))
  }

  #refusal(refusal) {
    switch (refusal) {
      case SubmitRefusal.QueueFull: return new errors.QueueFullError(this.#config.maxQueue)
      case SubmitRefusal.StartFailing: return new errors.WorkerStartError(this.#lastStartError)
      case SubmitRefusal.Closed: return new errors.DisposedError()
      default: throw new Error(`unknown refusal ${refusal}`)
    }
  }

  /** Rejects every pending task with DisposedError and stops every worker. */
  dispose() {
    if (this.#disposing !== null) return this.#disposing
    // A close() in progress ends with this disposal.
    this.#markClosed?.()
    this.#handle.dispose()
    this.#disposing = Promise.resolve() // marks the pool disposed while the events below run
    this.#drain()
    const exits = [...this.#workers.values()].map((record) => record.exited)
    if (this.#config.cluster !== null) {
      // The drain above acknowledged what finished; now the node leaves its
      // queue, and the others take back at once what it still held. Its own
      // submissions stay in the queue and run; their promises end here.
      exits.push(new Promise((resolve) => { this.#markLeft = resolve }))
      this.#handle.clusterLeave()
      for (const id of [...this.#pending.keys()]) this.#settle(id, 'reject', new errors.DisposedError())
    }
    // Hold the event loop open until the workers are gone, so that code after
    // `await pool.dispose()` runs even when nothing else keeps the process alive.
    this.#updateReference()
    this.#disposing = Promise.all(exits).then(() => {
      this.#handle.shutdown()
      this.#referenced = false
    })
    return this.#disposing
  }

  /** Refuses new tasks, lets the others finish, then disposes; disposes anyway after `timeoutMs`. */
  close(options) {
    if (this.#closing !== null) return this.#closing
    if (this.#disposing !== null) return this.#disposing
    let timeoutMs
    try {
      timeoutMs = resolveCloseOptions(options).timeoutMs
    } catch (error) {
      return Promise.reject(error)
    }
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
    this.#drain()
    return this.#closing
  }

  /**
   * Retires every current worker gracefully (each finishes what it runs, and
   * leaves once its replacement is ready); resolves when all have left.
   */
  recycleWorkers() {
    if (this.#disposing !== null || this.#closing !== null) return Promise.reject(new errors.DisposedError())
    const retiring = this.#handle.recycle()
    this.#drain()
    return Promise.all(retiring.map((id) => this.#workers.get(id)?.exited)).then(() => {})
  }

  [asyncDispose]() {
    return this.dispose()
  }

  stats() {
    // The core's snapshot in the API's shape (src/binding/stats.rs), plus
    // what only this thread knows: each worker thread's id.
    const stats = this.#handle.stats()
    if (this.#config.cluster !== null) stats.cluster = this.#handle.clusterStats()
    if (this.#config.kind === 'thread') {
      for (const worker of stats.workers) {
        const threadId = this.#workers.get(worker.id)?.worker?.threadId
        if (threadId !== undefined) worker.threadId = threadId
      }
    }
    return stats
  }

  /** Validated once per distinct value; `execute()` may name a module per task. */
  checkedFilename(filename) {
    const key = filename instanceof URL ? filename.href : filename
    let checked = this.#checkedFiles.get(key)
    if (checked === undefined) {
      checked = modulePath(filename, 'filename')
      this.#checkedFiles.set(key, checked)
    }
    return checked
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

  /** Reads everything the core has said, in order. Runs when its doorbell rings. */
  #drain() {
    // A nested call (from a worker that failed to spawn) leaves its events
    // to the loop below.
    if (this.#draining) return
    this.#draining = true
    const outermostHold = this.#heldEvents === null
    if (outermostHold) this.#heldEvents = []
    try {
      let batch
      while ((batch = this.#handle.drain(this.#scratch)) !== null) {
        if (typeof batch === 'number') forEachEvent(this.#scratch, batch, this.#onEvent)
        else forEachEvent(batch, batch.length, this.#onEvent)
      }
    } finally {
      this.#draining = false
      this.#exits.clear()
    }
    this.#updateReference()
    // Listeners run once the state is consistent: one that calls dispose(),
    // say, sees every worker the core asked for.
    if (outermostHold) {
      const held = this.#heldEvents
      this.#heldEvents = null
      this.#emitAll(held)
    }
  }

  #onEvent = (kind, a, b, c, d, batch, start, end) => {
    switch (kind) {
      case EVENT.Returned: {
        const value = batch[start] === SIDE_MARKER ? this.#sideResult(a, batch, start) : decodeDetached(batch, start, end)
        return this.#settle(a, 'resolve', value)
      }
      case EVENT.TaskAssigned: return this.#postPayload(a, b, c)
      case EVENT.Threw: {
        const { kind: how, error } = decodeThrown(batch, start, end)
        return this.#settle(a, 'reject', how === 'load' ? new errors.WorkerStartError(error) : error)
      }
      case EVENT.TimedOut: return this.#settle(a, 'reject', new errors.TimeoutError(b, c))
      case EVENT.Crashed: {
        const exit = this.#exits.get(b)
        return this.#settle(a, 'reject', new errors.WorkerCrashedError({ workerId: b, attempts: d, ...exit }))
      }
      case EVENT.StartFailed: return this.#settle(a, 'reject', new errors.WorkerStartError(this.#lastStartError))
      case EVENT.QueueTimedOut: return this.#settle(a, 'reject', new errors.QueueTimeoutError(this.#config.maxQueueWaitMs))
      case EVENT.Aborted: {
        const reason = this.#abortReasons.get(a)
        this.#abortReasons.delete(a)
        return this.#settle(a, 'reject', new errors.AbortError(reason))
      }
      case EVENT.Disposed: return this.#settle(a, 'reject', new errors.DisposedError())
      case EVENT.WorkerExited: return this.#onWorkerExited(a, EXIT_REASONS[b], c, d, batch, start, end)
      case EVENT.SpawnWorker: return this.#spawn(a)
      case EVENT.TerminateWorker: return this.#terminate(a)
      case EVENT.WorkerRetiring: return this.#emitSafely('workerRetire', { id: a, reason: RETIRE_REASONS[b] })
      case EVENT.QueueDrained: return this.#emitSafely('drain')
      case EVENT.BreakerOpened: return this.#emitSafely('breakerOpen', { cause: this.#lastStartError })
      case EVENT.BreakerClosed: return this.#emitSafely('breakerClose')
      case EVENT.Closed: {
        this.#coreClosed = true
        return this.#closeIfDone()
      }
      case EVENT.ClusterSettled: return this.#settleFromCluster(a, b, c, batch, start, end)
      case EVENT.ClusterLeft: {
        this.#markLeft?.()
        this.#markLeft = null
        return
      }
      default: throw new Error(`unknown pool event ${kind}`)
    }
  }

  /** The core gave a side-channel task to `workerId`: its payload goes there. */
  #postPayload(id, workerId, attempt) {
    const side = this.#sidecar.get(id)
    const sidecar = this.#workers.get(workerId)?.sidecar
    if (side === undefined || sidecar === undefined) return
    // Moved on the last attempt it may have; a retry needs a copy to send again.
    const last = attempt > side.retries
    sidecar.post(id, side.held, side.buffers, last ? transferablesOf(side.held) : [])
    this.#postedTo.set(id, workerId)
    if (last) this.#sidecar.delete(id)
  }

  /**
   * A task whose payload was posted has settled. If it did not return, its
   * worker may never take it (aborted before it was picked up): the worker
   * is told to drop the payload rather than hold it until it exits.
   */
  #forgetPosted(id, failed) {
    const workerId = this.#postedTo.get(id)
    if (workerId === undefined) return
    this.#postedTo.delete(id)
    if (failed) this.#workers.get(workerId)?.sidecar.drop(id)
  }

  /**
   * A result that came by the side channel: the worker posted it before
   * telling the core, so it is in the worker's port already.
   */
  #sideResult(id, bytes, start) {
    const workerId = bytes.readUInt32LE(start + 1)
    const message = this.#workers.get(workerId)?.sidecar.take(id)
    if (message === undefined) return Promise.reject(new Error(`The result of task ${id} did not arrive from worker ${workerId}`))
    return restoreBuffers(message)
  }

  /**
   * close() is done once the core has finished what it held and, for a
   * cluster pool, once this node's own submissions have settled: they run
   * on other nodes, which the core does not see.
   */
  #closeIfDone() {
    if (this.#coreClosed && (this.#config.cluster === null || this.#pending.size === 0)) this.#markClosed?.()
  }

  #settleFromCluster(id, kind, deliveries, batch, start, end) {
    let outcome
    try {
      outcome = clusterOutcome(kind, deliveries, batch, start, end, this.#config)
    } catch (error) {
      outcome = { ok: false, value: error }
    }
    this.#settle(id, outcome.ok ? 'resolve' : 'reject', outcome.value)
  }

  #settle(id, how, value) {
    const resolve = this.#pending.get(id)
    if (resolve === undefined) return
    this.#pending.delete(id)
    if (this.#sidecar.size > 0) this.#sidecar.delete(id)
    if (this.#postedTo.size > 0) this.#forgetPosted(id, how === 'reject')
    if (this.#unwatch.size > 0) {
      this.#unwatch.get(id)?.()
      this.#unwatch.delete(id)
    }
    // Adopting a rejected promise rejects; it is handled at once, so no
    // unhandled-rejection warning unless the caller leaves it unhandled.
    resolve(how === 'resolve' ? value : Promise.reject(value))
    if (this.#closing !== null && this.#pending.size === 0) this.#closeIfDone()
  }

  /**
   * The pool holds the event loop open exactly while tasks are pending (or
   * workers are being stopped). Letting go waits for a microtask: a caller
   * awaiting tasks one by one submits the next in between, and the pool then
   * keeps its hold instead of releasing and retaking it for every task.
   */
  #updateReference() {
    if (this.#wantsReference()) {
      if (!this.#referenced) {
        this.#referenced = true
        this.#handle.setReferenced(true)
      }
    } else if (this.#referenced && !this.#unreferenceQueued) {
      this.#unreferenceQueued = true
      queueMicrotask(this.#unreferenceIfIdle)
    }
  }

  #wantsReference() {
    if (this.#pending.size > 0) return true
    if (this.#disposing !== null) return this.#workers.size > 0 || this.#markLeft !== null
    // A cluster node with workers serves its queue until disposed.
    return this.#config.cluster !== null && !this.#config.submitOnly
  }

  #unreferenceIfIdle = () => {
    this.#unreferenceQueued = false
    if (this.#referenced && !this.#wantsReference()) {
      this.#referenced = false
      this.#handle.setReferenced(false)
    }
  }

  #spawn(workerId) {
    let markExited
    const record = { worker: null, error: undefined, exited: new Promise((resolve) => { markExited = resolve }), markExited }
    this.#workers.set(workerId, record)
    if (this.#config.kind === 'process') {
      // Already being started by Rust, which watches and reaps it; its exit
      // arrives as WorkerExited.
      this.#emitSafely('workerCreate', { id: workerId })
      return
    }
    const { filename, workerData, env, execArgv, resourceLimits, argv } = this.#config
    // The worker's side channel: payloads and results that V8 must move or
    // share. A cluster pool has none: its results go through Redis.
    const { port1, port2 } = this.#config.cluster === null ? new MessageChannel() : {}
    try {
      record.worker = new Worker(THREAD_RUNTIME, {
        workerData: {
          poolId: this.#handle.id,
          workerId,
          filename,
          workerData,
          memoryLimit: this.#config.maxWorkerMemoryMb > 0,
          concurrent: this.#config.concurrentTasksPerWorker > 1,
          sidePort: port2,
        },
        transferList: port2 === undefined ? [] : [port2],
        env,
        execArgv,
        resourceLimits,
        argv,
        name: `parallel-processor worker ${workerId}`,
      })
    } catch (error) {
      // Neither end reached a worker.
      port1?.close()
      port2?.close()
      record.error = error
      this.#onWorkerExit(workerId, 1)
      return
    }
    if (port1 !== undefined) {
      // Read with receiveMessageOnPort only: it never holds the event loop.
      port1.unref()
      record.sidecar = createSidecar(port1)
    }
    record.worker.on('error', (error) => { record.error = inThisRealm(error) })
    // What a handler posts on parentPort (progress, say) reaches the pool's listeners.
    record.worker.on('message', (message) => this.#emitSafely('message', message, { workerId }))
    // Workers never hold the process open; pending tasks do (see #updateReference).
    // After the listeners: a 'message' listener refs the worker's port again.
    record.worker.unref()
    record.worker.on('exit', (exitCode) => this.#onWorkerExit(workerId, exitCode))
    this.#emitSafely('workerCreate', { id: workerId })
  }

  #terminate(workerId) {
    // A process worker has already been signalled by Rust; its exit arrives as WorkerExited.
    if (this.#config.kind === 'process') return
    const worker = this.#workers.get(workerId)?.worker
    // The 'exit' event reports the end; the promise adds nothing.
    if (worker) worker.terminate().catch(() => {})
  }

  #onWorkerExit(workerId, exitCode) {
    // A cluster pool's crash reports travel to other nodes: the thread's
    // uncaught error goes with its exit, as a process worker's does.
    const error = this.#config.cluster === null ? undefined : this.#workers.get(workerId)?.error
    this.#handle.workerExited(workerId, exitCode, error === undefined ? undefined : encodeThrown(error))
    this.#drain()
  }

  /**
   * The core's word that a worker has gone; it comes before the settlements
   * of the worker's tasks, which read `#exits`. `bytes`: what a process
   * worker said before dying (a thread's error arrives by its 'error' event).
   */
  #onWorkerExited(workerId, reason, code, signalNumber, bytes, start, end) {
    const record = this.#workers.get(workerId)
    this.#workers.delete(workerId)
    record?.sidecar?.close()
    const exitCode = Number.isNaN(code) ? null : code
    const signal = signalNumber === 0 ? null : signalName(signalNumber)
    const cause = end > start ? decodeCause(bytes, start, end) : record?.error
    this.#exits.set(workerId, { exitCode, signal, cause })
    if (reason === 'startFailure') {
      this.#lastStartError = cause ?? new Error(`The worker ${signal === null ? `exited with code ${exitCode}` : `was killed by ${signal}`} before it was ready`)
    }
    record?.markExited()
    this.#emitSafely('workerExit', { id: workerId, exitCode, signal, reason })
  }

  #emitSafely(event, ...args) {
    if (this.#heldEvents !== null) this.#heldEvents.push([event, args])
    else this.#emitAll([[event, args]])
  }

  /** A listener that throws must not interrupt the pool's bookkeeping. */
  #emitAll(events) {
    for (const [event, args] of events) {
      try {
        this.emit(event, ...args)
      } catch (error) {
        process.nextTick(() => { throw error })
      }
    }
  }
}

function serializePayload(payload) {
  try {
    return v8.serialize(payload)
  } catch (error) {
    throw errors.notCloneable(`The task's payload cannot be cloned: ${error.message}`)
  }
}

module.exports = { ParallelProcessor, maxWorkersOf }
