'use strict'

/**
 * `Piscina`: piscina 4 and 5's API over a ParallelProcessor. It validates
 * as piscina does and translates: options, run()'s arguments, errors,
 * events and figures. Scheduling, aborts, closing and every worker are the
 * pool's; what piscina needs of a pool is asked of ParallelProcessor.
 */
const { EventEmitterAsyncResource } = require('node:events')
const { AsyncResource } = require('node:async_hooks')
const { performance } = require('node:perf_hooks')
const { ParallelProcessor } = require('../pool/processor')
const { internalsOf } = require('../pool/internal')
const poolErrors = require('../shared/errors')
const { workerState } = require('../shared/worker-state')
const { deferred } = require('../shared/deferred')
const { fillOptions, poolOptions, maybeFileURLToPath } = require('./options')
const { Errors, AbortError, piscinaError } = require('./errors')
const { summary, Histograms } = require('./histogram')
const { move, transferableSymbol, valueSymbol, queueOptionsSymbol } = require('./movable')
const { ArrayTaskQueue, FixedQueue } = require('./task-queue')
const { Threads } = require('./threads')
const { abortSignalOf } = require('./signal')
const { version } = require('../../package.json')

const asyncDispose = Symbol.asyncDispose ?? Symbol.for('nodejs.asyncDispose')
const syncDispose = Symbol.dispose ?? Symbol.for('nodejs.dispose')
const TIMED_OUT = Symbol('timed out')

class Piscina extends EventEmitterAsyncResource {
  #pool
  #options
  #threads
  #histograms
  #start = performance.now()
  #completed = 0
  #needsDrain = false
  /** Tasks the pool runs at once at most: maxThreads × concurrentTasksPerWorker. */
  #capacity
  #closing = null
  #destroying = false
  /** Workers that died with a task, of the last turn: piscina rejects those tasks instead of emitting 'error'. */
  #crashedWithTask = new Set()

  constructor(options = {}) {
    super({ ...options, name: 'Piscina' })
    this.#options = fillOptions(options)
    // The module is named per task (below), so that a missing one rejects
    // run() as in piscina instead of throwing here.
    const resolved = poolOptions(this.#options)
    this.#pool = new ParallelProcessor(resolved)
    this.#capacity = resolved.maxWorkers * resolved.concurrentTasksPerWorker
    this.#threads = new Threads(this.#pool)
    this.#histograms = new Histograms(() => this.#pool.stats())
    this.#pool.on('workerCreate', ({ id }) => this.emit('workerCreate', this.#threads.of(id)))
    this.#pool.on('workerExit', (exit) => this.#workerExited(exit))
    this.#pool.on('message', (message) => this.emit('message', message))
  }

  run(task, options = {}) {
    if (options === null || typeof options !== 'object') return Promise.reject(new TypeError('options must be an object'))
    const { transferList, filename, name, signal } = options
    if (transferList !== undefined && !Array.isArray(transferList)) return Promise.reject(new TypeError('transferList argument must be an Array'))
    if (filename != null && typeof filename !== 'string') return Promise.reject(new TypeError('filename argument must be a string'))
    if (name != null && typeof name !== 'string') return Promise.reject(new TypeError('name argument must be a string'))
    if (signal != null && typeof signal !== 'object') return Promise.reject(new TypeError('signal argument must be an object'))
    return this.#submit(task, transferList, filename, name, signal)
  }

  /** piscina 3's positional form (deprecated in piscina 4, gone in 5): runTask(task, transferList?, filename?, signal?), each optional. */
  runTask(task, transferList, filename, signal) {
    if ((typeof transferList === 'object' && !Array.isArray(transferList)) || typeof transferList === 'string') {
      signal = filename
      filename = transferList
      transferList = undefined
    }
    if (typeof filename === 'object' && !Array.isArray(filename)) {
      signal = filename
      filename = undefined
    }
    if (transferList !== undefined && !Array.isArray(transferList)) return Promise.reject(new TypeError('transferList argument must be an Array'))
    if (filename !== undefined && typeof filename !== 'string') return Promise.reject(new TypeError('filename argument must be a string'))
    if (signal !== undefined && typeof signal !== 'object') return Promise.reject(new TypeError('signal argument must be an object'))
    return this.#submit(task, transferList, filename || null, null, signal || null)
  }

  #submit(task, transferList, filename, name, signal) {
    const file = filename ?? this.#options.filename
    if (typeof file !== 'string') return Promise.reject(Errors.FilenameNotProvided())
    // piscina aborts what is submitted while it closes.
    if (this.#closing !== null && !this.#destroying) return Promise.reject(new AbortError('queue is closing up'))
    // A full queue: piscina refuses before run() returns, and so does this
    // (the pool's own rule: a task that would wait, with maxQueue waiting
    // already), rather than from the pool's next turn; code that leaves such
    // a promise unhandled then sees it rejected where piscina rejects it.
    const { maxQueue } = this.#options
    if (maxQueue > 0 && this.queueSize >= maxQueue) return Promise.reject(Errors.TaskQueueAtLimit())
    const exportName = name ?? this.#options.name
    const abort = abortSignalOf(signal)
    const promise = this.#pool.execute(task, {
      filename: maybeFileURLToPath(file),
      // piscina's 'default' is the module's default export, the pool's when no name is given.
      name: exportName === 'default' ? undefined : exportName,
      signal: abort.signal,
      transferList,
    })
    // piscina starts a worker for a task within run(): so does this (the
    // pool would on its next turn), so that `threads` counts it at once.
    internalsOf(this.#pool).drainEvents()
    this.#maybeDrain()
    // As piscina does, each task is an async resource ('Piscina.Task'),
    // settled in its scope: async_hooks and AsyncLocalStorage see it.
    const resource = new AsyncResource('Piscina.Task', { requireManualDestroy: true, triggerAsyncId: this.asyncResource.asyncId() })
    const outcome = deferred()
    const settle = (how, value) => {
      abort.release()
      this.#completed++
      resource.runInAsyncScope(how, null, value)
      resource.emitDestroy()
      this.#maybeDrain()
    }
    promise.then(
      (result) => settle(outcome.resolve, result),
      (error) => {
        if (error instanceof poolErrors.WorkerCrashedError) this.#crashedWithTask.add(error.workerId)
        settle(outcome.reject, piscinaError(error, { maxQueue: this.#options.maxQueue, closing: this.#closing !== null, destroying: this.#destroying }))
      },
    )
    return outcome.promise
  }

  /**
   * piscina 4's flow control, after each submission and settlement: 'drain'
   * when nothing waits, 'needsDrain' when the waiting tasks fill `maxQueue`.
   */
  #maybeDrain() {
    const waiting = this.queueSize
    if (waiting === 0) {
      this.#needsDrain = false
      this.emit('drain')
    }
    if (waiting >= this.#options.maxQueue) {
      this.#needsDrain = true
      this.emit('needsDrain')
    }
  }

  /**
   * 'workerDestroy' for every worker that leaves; 'error' for one killed by
   * an error while it ran no task, as piscina does (with a task, the task
   * rejects with that error instead). Settlements come after the pool's
   * event: the check waits for them.
   */
  #workerExited({ id, reason, error }) {
    this.emit('workerDestroy', this.#threads.forget(id))
    if (reason !== 'crash') return
    setImmediate(() => {
      const hadTask = this.#crashedWithTask.delete(id)
      if (!hadTask && error !== undefined && !this.#destroying) this.emit('error', error)
    })
  }

  async close(options = {}) {
    if (options === null || typeof options !== 'object') throw new TypeError('options must be an object')
    const { force = false } = options
    if (typeof force !== 'boolean') throw new TypeError('force argument must be a boolean')
    if (this.#closing === null) this.#closing = this.#close(force)
    return this.#closing
  }

  /**
   * The pool's close(): with `force`, what waits rejects at once; what runs
   * finishes. After `closeTimeout`, piscina reports 'error' and destroys.
   */
  async #close(force) {
    const closed = this.#pool.close(force ? { force: true, timeoutMs: Infinity } : { timeoutMs: Infinity })
    let timer
    const timedOut = new Promise((resolve) => {
      timer = setTimeout(resolve, this.#options.closeTimeout, TIMED_OUT)
      timer.unref()
    })
    try {
      if ((await Promise.race([closed, timedOut])) === TIMED_OUT) this.emit('error', Errors.CloseTimeout())
    } finally {
      clearTimeout(timer)
      await this.destroy()
      this.emit('close')
    }
  }

  /** Rejects every task, queued or running, with 'Terminating worker thread', and stops every worker. */
  destroy() {
    this.#destroying = true
    return this.#pool.dispose()
  }

  [asyncDispose]() { return this.close() }
  [syncDispose]() { this.close() }

  get options() { return this.#options }
  get maxThreads() { return this.#options.maxThreads }
  get minThreads() { return this.#options.minThreads }
  get threads() { return this.#threads.list() }
  get idleThreads() { return this.#pool.stats().workers.filter((w) => w.state === 'idle').length }

  /**
   * piscina's count: the tasks no worker will take. piscina hands a task to
   * a worker at once, even one still starting (and starts one for it up to
   * maxThreads); the pool keeps such a task queued until its worker is
   * ready. So: what waits beyond the capacity of maxThreads workers.
   */
  get queueSize() {
    const queued = this.#pool.queueSize
    if (queued === 0) return 0
    return Math.max(queued + this.#pool.running - this.#capacity, 0)
  }

  get completed() { return this.#completed }
  get duration() { return performance.now() - this.#start }
  get needsDrain() { return this.#needsDrain }
  get waitTime() { return this.#options.recordTiming ? summary(this.#pool.stats().waitTime) : null }
  get runTime() { return this.#options.recordTiming ? summary(this.#pool.stats().runTime) : null }
  /** piscina 5. */
  get histogram() { return this.#histograms }

  /** piscina's estimate: run time of the tasks so far over maxThreads × the pool's age. */
  get utilization() {
    if (!this.#options.recordTiming) return 0
    const runTime = this.#pool.stats().runTime
    if (runTime.count === 0) return 0
    return (runTime.mean * runTime.count) / (this.duration * this.#options.maxThreads)
  }

  static get isWorkerThread() { return workerState() !== undefined }
  static get workerData() { return workerState()?.workerData }
  static get version() { return version }
  static get Piscina() { return Piscina }
  static get FixedQueue() { return FixedQueue }
  static get ArrayTaskQueue() { return ArrayTaskQueue }
  static get transferableSymbol() { return transferableSymbol }
  static get valueSymbol() { return valueSymbol }
  static get queueOptionsSymbol() { return queueOptionsSymbol }
  /** Not in piscina: the class of its aborted tasks' errors, for instanceof. */
  static get AbortError() { return AbortError }
  static move(value) { return move(value) }
}

module.exports = { Piscina }
