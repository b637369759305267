'use strict'

/**
 * The pool's workers as the main thread sees them. The core decides when a
 * worker starts and stops; this starts and stops worker threads when it
 * says so (process workers are started, watched and stopped by Rust), and
 * remembers each worker until the core reports its end.
 */
const path = require('node:path')
const { Worker, MessageChannel } = require('node:worker_threads')
const { encodeThrown, inThisRealm } = require('../shared/thrown-value')
const { createSidecar } = require('../shared/transfer')

const THREAD_RUNTIME = path.join(__dirname, '..', 'worker', 'thread', 'runtime.js')
/** How long an idle worker asked to leave has before it is terminated (its event loop may be blocked). */
const LEAVE_WITHIN_MS = 1000

class Workers {
  /** Worker id -> { worker, sidecar, error, exited, markExited, leaveTimer }. */
  #records = new Map()
  #config
  #poolId
  #emit
  /** Tells the core a thread has exited: (workerId, exitCode, encoded error or undefined). */
  #reportExit

  /**
   * `emit(event, ...args)`: the pool's listeners; `reportExit`: tells the
   * core (and reads what it answers).
   */
  constructor({ config, poolId, emit, reportExit }) {
    this.#config = config
    this.#poolId = poolId
    this.#emit = emit
    this.#reportExit = reportExit
  }

  get size() {
    return this.#records.size
  }

  /** Resolves when the worker has gone (undefined for one not known). */
  exited(workerId) {
    return this.#records.get(workerId)?.exited
  }

  /** A promise per worker still known, each resolved when it has gone. */
  allExited() {
    return [...this.#records.values()].map((record) => record.exited)
  }

  /** The worker's end of its side channel; undefined for a process or a cluster pool. */
  sidecarOf(workerId) {
    return this.#records.get(workerId)?.sidecar
  }

  threadIdOf(workerId) {
    return this.#records.get(workerId)?.worker?.threadId
  }

  /** The core asks for a new worker. */
  spawn(workerId) {
    let markExited
    const record = { worker: null, sidecar: undefined, error: undefined, exited: new Promise((resolve) => { markExited = resolve }), markExited, leaveTimer: undefined }
    this.#records.set(workerId, record)
    if (this.#config.kind === 'process') {
      // Already being started by Rust, which watches and reaps it; its exit
      // arrives as WorkerExited.
      this.#emit('workerCreate', { id: workerId })
      return
    }
    const { filename, workerData, env, execArgv, resourceLimits, argv, cluster } = this.#config
    // The worker's side channel: payloads and results that V8 must move or
    // share. A cluster pool has none: its results go through Redis.
    const { port1, port2 } = cluster === null ? new MessageChannel() : {}
    try {
      record.worker = new Worker(THREAD_RUNTIME, {
        workerData: {
          poolId: this.#poolId,
          workerId,
          filename,
          workerData,
          memoryLimit: this.#config.maxWorkerMemoryMb > 0,
          concurrent: this.#config.concurrentTasksPerWorker > 1,
          niceIncrement: this.#config.niceIncrement,
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
      this.#threadExited(workerId, 1)
      return
    }
    if (port1 !== undefined) {
      // Read with receiveMessageOnPort only: it never holds the event loop.
      port1.unref()
      record.sidecar = createSidecar(port1)
    }
    record.worker.on('error', (error) => { record.error = inThisRealm(error) })
    // What a handler posts on parentPort (progress, say) reaches the pool's listeners.
    record.worker.on('message', (message) => this.#emit('message', message, { workerId }))
    // Workers never hold the process open; pending tasks do (see EventLoopHold).
    // After the listeners: a 'message' listener refs the worker's port again.
    record.worker.unref()
    record.worker.on('exit', (exitCode) => this.#threadExited(workerId, exitCode))
    this.#emit('workerCreate', { id: workerId })
  }

  /**
   * The core asks for a worker to be stopped; its end is reported as for any
   * exit. `idle`: it runs nothing and was rung to leave on its own (see
   * ../worker/thread/runtime.js), so that what it wrote last reaches this
   * thread; it is terminated only if it has not left within LEAVE_WITHIN_MS.
   */
  terminate(workerId, idle) {
    // A process worker has already been signalled by Rust; its exit arrives as WorkerExited.
    if (this.#config.kind === 'process') return
    const record = this.#records.get(workerId)
    const worker = record?.worker
    if (!worker) return
    // The 'exit' event reports the end; the promise adds nothing.
    const stop = () => worker.terminate().catch(() => {})
    if (!idle) return stop()
    record.leaveTimer = setTimeout(stop, LEAVE_WITHIN_MS)
    // Only a worker's end, or disposal (which holds the event loop until every worker is gone), waits for it.
    record.leaveTimer.unref()
  }

  /**
   * The core's word that a worker has gone: it is forgotten. Returns the
   * thread's uncaught error, if it had one (a process's arrives with the
   * core's word).
   */
  ended(workerId) {
    const record = this.#records.get(workerId)
    if (record === undefined) return undefined
    this.#records.delete(workerId)
    clearTimeout(record.leaveTimer)
    record.sidecar?.close()
    record.markExited()
    return record.error
  }

  #threadExited(workerId, exitCode) {
    // A cluster pool's crash reports travel to other nodes: the thread's
    // uncaught error goes with its exit, as a process worker's does.
    const error = this.#config.cluster === null ? undefined : this.#records.get(workerId)?.error
    this.#reportExit(workerId, exitCode, error === undefined ? undefined : encodeThrown(error))
  }
}

module.exports = { Workers }
