'use strict'

/**
 * Reads what the core has said, in order, and does it: settles tasks (with
 * the values and errors of lib/pool/outcomes.js), starts and stops workers,
 * and tells the pool's listeners. It runs when the core's doorbell rings,
 * and after every call into the core that may have produced events.
 */
const { exitReasonNames, retireReasonNames } = require('../native')
const { decodeDetached } = require('../shared/codec')
const { SIDE_MARKER } = require('../shared/transfer')
const { forEachEvent } = require('../shared/wire')
const { EVENT, taskError } = require('./outcomes')
const { workerEnd, startErrorOf } = require('./worker-exit')

// The names of the reasons the core's events carry as codes (one definition, in Rust).
const EXIT_REASONS = exitReasonNames()
const RETIRE_REASONS = retireReasonNames()

class CoreEvents {
  #handle
  #tasks
  #workers
  #side
  #cluster
  #lifecycle
  #emitter
  #draining = false
  /**
   * Where the core writes each batch of events (a bigger batch gets a buffer
   * of its own). Decoding copies what it keeps, and batches are read one at
   * a time (#draining), so reuse is safe.
   */
  #scratch = Buffer.allocUnsafeSlow(256 * 1024)
  /** Events for listeners, held while the pool's state is being updated. */
  #held = null
  /** How each worker that exited during the current drain ended: { exitCode, signal, cause }. */
  #exits = new Map()
  /** The loader's error of the last worker that failed to start. */
  #lastStartError = null
  /** Exit reason -> workers that exited for it, for the pool's metrics. */
  #exitCounts = new Map(EXIT_REASONS.map((reason) => [reason, 0]))
  /** What the event records of a local task's end do not carry (see outcomes.js). */
  #context = {
    exitOf: (workerId) => this.#exits.get(workerId),
    startError: () => this.#lastStartError,
    abortReason: (taskId) => this.#tasks.takeAbortReason(taskId),
    maxQueueWaitMs: 0,
    nodeId: undefined,
  }

  /**
   * `lifecycle`: the pool's answers to its own events:
   *   { closed(), left(), drained() }: the core has finished what it held
   *   since close(); a cluster node has left its queue; a drain is over.
   * `emitter`: where listeners are (the pool itself).
   */
  constructor({ handle, config, tasks, workers, side, cluster, lifecycle, emitter }) {
    this.#handle = handle
    this.#tasks = tasks
    this.#workers = workers
    this.#side = side
    this.#cluster = cluster
    this.#lifecycle = lifecycle
    this.#emitter = emitter
    this.#context.maxQueueWaitMs = config.maxQueueWaitMs
  }

  get lastStartError() {
    return this.#lastStartError
  }

  /** Exit reason -> how many workers exited for it (every reason, from 0). */
  get exitsByReason() {
    return this.#exitCounts
  }

  /**
   * Runs `fn` with listeners' events held back, and tells them on the next
   * tick: listeners attached right after `new ParallelProcessor()` see the
   * first 'workerCreate' events.
   */
  holdUntilNextTick(fn) {
    this.#held = []
    try {
      fn()
    } finally {
      const held = this.#held
      this.#held = null
      process.nextTick(() => this.#emitAll(held))
    }
  }

  /** Reads everything the core has said, in order. */
  drain() {
    // A nested call (from a worker that failed to spawn) leaves its events
    // to the loop below.
    if (this.#draining) return
    this.#draining = true
    const outermostHold = this.#held === null
    if (outermostHold) this.#held = []
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
    this.#lifecycle.drained()
    // Listeners run once the state is consistent: one that calls dispose(),
    // say, sees every worker the core asked for.
    if (outermostHold) {
      const held = this.#held
      this.#held = null
      this.#emitAll(held)
    }
  }

  /** Tells the pool's listeners, once its state is consistent; a listener that throws interrupts nothing. */
  emit(event, ...args) {
    if (this.#held !== null) this.#held.push([event, args])
    else this.#emitAll([[event, args]])
  }

  #onEvent = (kind, a, b, c, d, batch, start, end) => {
    switch (kind) {
      case EVENT.Returned: {
        const value = batch[start] === SIDE_MARKER ? this.#side.result(a, batch, start) : decodeDetached(batch, start, end)
        return this.#tasks.settle(a, 'resolve', value)
      }
      case EVENT.Threw:
      case EVENT.TimedOut:
      case EVENT.Crashed:
      case EVENT.StartFailed:
      case EVENT.QueueTimedOut:
      case EVENT.Aborted:
      case EVENT.Disposed:
        return this.#tasks.settle(a, 'reject', taskError(kind, a, b, c, d, batch, start, end, this.#context))
      case EVENT.TaskAssigned: return this.#side.post(a, b, c)
      case EVENT.WorkerExited: return this.#workerExited(a, EXIT_REASONS[b], c, d, batch, start, end)
      case EVENT.SpawnWorker: return this.#workers.spawn(a)
      case EVENT.TerminateWorker: return this.#workers.terminate(a, b === 1)
      case EVENT.WorkerRetiring: return this.emit('workerRetire', { id: a, reason: RETIRE_REASONS[b] })
      case EVENT.QueueDrained: return this.emit('drain')
      case EVENT.BreakerOpened: return this.emit('breakerOpen', { cause: this.#lastStartError })
      case EVENT.BreakerClosed: return this.emit('breakerClose')
      case EVENT.Closed: return this.#lifecycle.closed()
      case EVENT.ClusterSettled: return this.#cluster.settle(a, b, c, batch, start, end)
      case EVENT.ClusterLeft: return this.#lifecycle.left()
      default: throw new Error(`unknown pool event ${kind}`)
    }
  }

  /**
   * The core's word that a worker has gone; it comes before the settlements
   * of the worker's tasks, which read `#exits`. `bytes`: what a process
   * worker said before dying (a thread's error arrives by its 'error' event).
   */
  #workerExited(workerId, reason, code, signalNumber, bytes, start, end) {
    const threadError = this.#workers.ended(workerId)
    const exit = workerEnd(code, signalNumber, bytes, start, end, threadError)
    this.#exits.set(workerId, exit)
    if (reason === 'startFailure') this.#lastStartError = startErrorOf(exit)
    this.#exitCounts.set(reason, this.#exitCounts.get(reason) + 1)
    // `error`: what killed it, as a crash's `cause` has it (its uncaught
    // error, a process worker's fatal error); undefined for a worker that
    // was stopped or left without one.
    this.emit('workerExit', { id: workerId, exitCode: exit.exitCode, signal: exit.signal, reason, error: exit.cause })
  }

  /** A listener that throws must not interrupt the pool's bookkeeping. */
  #emitAll(events) {
    for (const [event, args] of events) {
      try {
        this.#emitter.emit(event, ...args)
      } catch (error) {
        process.nextTick(() => { throw error })
      }
    }
  }
}

module.exports = { CoreEvents }
