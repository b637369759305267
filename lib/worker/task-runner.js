'use strict'

/**
 * Runs tasks inside a worker, whatever carries them (a thread's handle on the
 * Rust core, or a process's channel to its parent). The carrier offers:
 *   take()                       -> the next task assigned to this worker, or null
 *   complete(id, ok, bytes)      -> reports a result or a thrown error; returns the next task
 *   completeText(id, json)       -> the same for a result encoded as JSON text
 *   takeAborted()                -> ids of running tasks aborted since the last call, or null
 *   reportMemory(mb)             -> this worker's memory, before a task completes
 *   handler(id)                  -> { filename, name } of a handler id
 * A task is a Buffer (task id f64 | handler u32 | payload), or a length of
 * such bytes in `scratch`. A busy worker thus gets its next task as the
 * answer to the previous result: one crossing per task.
 */
const v8 = require('node:v8')
const { encodeThrown } = require('../shared/thrown-value')
const { jsonOf, decodeDetached, decodeInPlace } = require('../shared/codec')
const { loadModule, forgetModule, pickHandler } = require('./module-loader')
const { DELIVERY_HEADER } = require('../shared/wire')
const { notCloneable } = require('../shared/errors')
const { survey, hold, transferablesOf, restoreBuffers, refuseSharing, SIDE_MARKER } = require('../shared/transfer')
const { PAYLOAD_MARKER } = require('../shared/generated/constants')

/** A task from a cluster's queue: this byte, then its delivery count (u32 LE), then its payload. */
const CLUSTER_MARKER = PAYLOAD_MARKER.cluster

/**
 * From this many bytes of unmoved buffers on, a result is copied by hand and
 * moved; below it, postMessage copies it (measured: faster up to a few MB,
 * where a fresh copy's page faults cost more than a second copy).
 */
const HOLD_RESULTS_FROM = 4 * 2 ** 20

/** Without a memory limit, a worker's memory is measured at most this often (ms). */
const MEMORY_SAMPLE_MS = 100

/**
 * `measureMemoryMb()`: what `reportMemory` is given after a task (the heap
 * for a thread, the RSS for a process): after every task when `memoryLimit`
 * (the pool retires a worker over it), else at most every MEMORY_SAMPLE_MS,
 * for `stats()`. `sidecar`: a thread's side channel (see lib/shared/transfer.js), null
 * for a process.
 * Returns `{ run, onDoorbell }`: `run(task)` runs a task and its successors;
 * `onDoorbell()` is called when tasks (or abort notices) are waiting, and
 * says whether there was a task to take.
 */
function createTaskRunner({ carrier, scratch, workerId, concurrent, measureMemoryMb, memoryLimit, sidecar }) {
  /** By handler id: the function once resolved. */
  const handlers = []
  /** Task id -> the AbortController behind its `ctx.signal`, once a handler asked for it. */
  const controllers = new Map()
  /** Running tasks aborted before their handler asked for `ctx.signal`: it starts aborted. */
  const abortedEarly = new Set()
  /** What a result that went by the side channel completes with: the marker, then this worker's id. */
  const sideResult = Buffer.alloc(5)
  sideResult[0] = SIDE_MARKER
  sideResult.writeUInt32LE(workerId, 1)
  let memorySampledAt = -Infinity

  /**
   * Runs `task` and whatever follows it: a synchronous handler's successor comes
   * back from `complete()`. An async handler's task is left to finish on its own;
   * with several tasks per worker, the loop then takes the next at once.
   */
  function run(task) {
    while (task !== null) {
      const bytes = typeof task === 'number' ? scratch : task
      const end = typeof task === 'number' ? task : task.length
      const id = bytes.readDoubleLE(0)
      const handlerId = bytes.readUInt32LE(8)
      const handler = handlers[handlerId]
      if (typeof handler !== 'function') {
        // The scratch buffer is reused for the next task: its bytes are copied.
        const kept = bytes === scratch ? Buffer.from(bytes.subarray(0, end)) : task
        resolveHandler(handlerId).then(() => run(kept))
        task = concurrent ? carrier.take() : null
        continue
      }
      if (bytes[DELIVERY_HEADER] === SIDE_MARKER && sidecar !== null) {
        // The payload comes on the side channel (the main thread posts it
        // once the core has said which worker took the task).
        const message = sidecar.receive(id)
        if (message instanceof Promise) {
          message.then((arrived) => run(invoke(id, handler, restoreBuffers(arrived))))
          task = concurrent ? carrier.take() : null
          continue
        }
        task = invoke(id, handler, restoreBuffers(message))
        continue
      }
      // A task from a cluster's queue: its delivery count comes first.
      let start = DELIVERY_HEADER
      let delivery
      if (bytes[DELIVERY_HEADER] === CLUSTER_MARKER) {
        delivery = bytes.readUInt32LE(DELIVERY_HEADER + 1)
        start += 5
      }
      let payload
      try {
        // A task in memory of its own (a big one) may lend it to the typed
        // arrays of its payload; others are views of a scratch or of a read
        // shared with other frames, so their typed arrays get copies.
        payload = bytes !== scratch && ownsItsMemory(bytes)
          ? decodeInPlace(bytes, start, end)
          : decodeDetached(bytes, start, end)
      } catch (error) {
        task = completeTask(id, false, encodeFailure(error))
        continue
      }
      task = invoke(id, handler, payload, delivery)
    }
  }

  /** Calls the handler; returns the next task to run now, or null. */
  function invoke(id, handler, payload, delivery) {
    let value
    let thenable
    try {
      value = handler(payload, new TaskContext(id, delivery))
      thenable = isThenable(value) // reads `then`, which may be a throwing getter
    } catch (error) {
      return completeTask(id, false, encodeFailure(error))
    }
    if (thenable) {
      // Not Promise.resolve(value): it reads `constructor`, which may throw.
      new Promise((resolve) => resolve(value)).then(
        (result) => run(finish(id, result)),
        (error) => run(completeTask(id, false, encodeFailure(error))),
      )
      return concurrent ? carrier.take() : null
    }
    return finish(id, value)
  }

  /** Tasks were assigned to this worker (or, when it shares itself, some were aborted); returns whether one was taken. */
  function onDoorbell() {
    if (concurrent) {
      for (const id of carrier.takeAborted() ?? []) {
        const controller = controllers.get(id)
        if (controller) controller.abort()
        else abortedEarly.add(id)
      }
    }
    const task = carrier.take()
    if (task === null) return false
    run(task)
    return true
  }

  /**
   * The core hears this worker's memory before the next task is taken: after
   * every task with a memory limit, else now and then (a sample costs ~1 µs).
   */
  function beforeComplete(id) {
    if (controllers.size > 0) controllers.delete(id)
    if (abortedEarly.size > 0) abortedEarly.delete(id)
    if (memoryLimit) {
      carrier.reportMemory(measureMemoryMb())
    } else {
      const now = performance.now()
      if (now - memorySampledAt >= MEMORY_SAMPLE_MS) {
        memorySampledAt = now
        carrier.reportMemory(measureMemoryMb())
      }
    }
  }

  function completeTask(id, ok, bytes) {
    beforeComplete(id)
    return carrier.complete(id, ok, bytes)
  }

  function finish(id, result) {
    const json = jsonOf(result)
    if (json !== null) {
      beforeComplete(id)
      return carrier.completeText(id, json)
    }
    let encoded
    try {
      const found = survey(result)
      if (sidecar === null) {
        refuseSharing(found, "The task's result")
      } else if (found.wantsSide) {
        if (found.bytes < HOLD_RESULTS_FROM) {
          // Posted as it is: postMessage copies what is not moved, into memory
          // it frees at once, which beats fresh pages at this size.
          sidecar.post(id, result, found.buffers, [...found.transfer])
        } else {
          // Copied once (what it moves, not at all), then moved to the main thread.
          const held = hold(result, found)
          sidecar.post(id, held, found.buffers, transferablesOf(held))
        }
        return completeTask(id, true, sideResult)
      }
      encoded = v8.serialize(result)
    } catch (error) {
      const said = error.message.startsWith("The task's result")
      const cause = said ? error.message : `The task's result cannot be cloned: ${error.message}`
      return completeTask(id, false, encodeThrown(notCloneable(cause)))
    }
    return completeTask(id, true, encoded)
  }

  /**
   * Fills `handlers[handlerId]`. A failure is stored as a handler that throws,
   * so that the task (and every later task naming it) rejects and the worker
   * keeps serving.
   */
  async function resolveHandler(handlerId) {
    const spec = carrier.handler(handlerId)
    try {
      const namespace = await loadModule(spec.filename)
      try {
        handlers[handlerId] = pickHandler(namespace, spec.name, spec.filename)
      } catch (notFound) {
        handlers[handlerId] = () => { throw notFound }
      }
    } catch (loadError) {
      // This task rejects with WorkerStartError; the next one naming the module
      // tries again, since the file may have been fixed.
      forgetModule(spec.filename)
      handlers[handlerId] = function failedToLoad() {
        delete handlers[handlerId]
        throw new LoadFailure(loadError)
      }
    }
  }

  /**
   * `ctx` of a handler. The signal is made only if the handler asks for it; it
   * aborts when the task is aborted while its worker runs others too (a worker
   * with one task is terminated instead).
   */
  class TaskContext {
    #id
    constructor(id, delivery) {
      this.#id = id
      this.taskId = String(id)
      this.workerId = workerId
      // Cluster pools: how many times the task has been delivered (from 1).
      if (delivery !== undefined) this.delivery = delivery
    }

    get signal() {
      const controller = new AbortController()
      controllers.set(this.#id, controller)
      if (abortedEarly.delete(this.#id)) controller.abort()
      Object.defineProperty(this, 'signal', { value: controller.signal, enumerable: true })
      return controller.signal
    }
  }

  return { run, onDoorbell }
}

/** Whether `buffer` spans the whole of its ArrayBuffer (nothing else lives there). */
function ownsItsMemory(buffer) {
  return buffer.byteOffset === 0 && buffer.length === buffer.buffer.byteLength
}

function isThenable(value) {
  return value !== null && (typeof value === 'object' || typeof value === 'function') && typeof value.then === 'function'
}

/** Thrown in place of a handler whose module failed to load. */
class LoadFailure {
  constructor(cause) { this.cause = cause }
}

function encodeFailure(error) {
  return error instanceof LoadFailure ? encodeThrown(error.cause, 'load') : encodeThrown(error)
}

module.exports = { createTaskRunner }
