'use strict'

/**
 * The entry point of every worker thread. It loads the user's module, then
 * runs tasks handed over by the Rust core: a task arrives either as the return
 * value of the previous `complete()` (while busy) or after the doorbell rings
 * (while idle), so a busy worker crosses into Rust once per task and an idle
 * one sleeps in its event loop without polling.
 */
const v8 = require('node:v8')
const workerThreads = require('node:worker_threads')
const { syncBuiltinESMExports } = require('node:module')
const { WorkerHandle } = require('./native')
const { encodeThrown } = require('./thrown-value')
const { encode, decodeDetached } = require('./codec')
const { loadModule, forgetModule, pickHandler } = require('./module-loader')
const { WORKER_STATE } = require('./worker-state')
const { DELIVERY_HEADER } = require('./wire')
const { notCloneable } = require('./errors')

const { poolId, workerId, filename, workerData, reportHeap, concurrent } = workerThreads.workerData
globalThis[WORKER_STATE] = Object.freeze({ workerData })
// The user's module sees its own workerData, not the runtime's.
workerThreads.workerData = workerData
syncBuiltinESMExports()

/**
 * Tasks are written here by the core (a task arrives as its length), so that
 * a busy worker allocates no buffer per task; a task too big for it arrives
 * as a Buffer of its own.
 */
const scratch = Buffer.allocUnsafeSlow(64 * 1024)
const handle = WorkerHandle.attach(poolId, workerId, scratch)

/** By handler id: the function once resolved. */
const handlers = []
/** Task id -> the AbortController behind its `ctx.signal`, once a handler asked for it. */
const controllers = new Map()
/** Running tasks aborted before their handler asked for `ctx.signal`: it starts aborted. */
const abortedEarly = new Set()

/**
 * Runs `task` and whatever follows it: a synchronous handler's successor comes
 * back from `complete()`. An async handler's task is left to finish on its own;
 * with several tasks per worker, the loop then takes the next at once.
 * `task`: null (nothing to do), a length of bytes in `scratch`, or a Buffer.
 */
function run(task) {
  while (task !== null) {
    const bytes = typeof task === 'number' ? scratch : task
    const end = typeof task === 'number' ? task : task.length
    const id = bytes.readDoubleLE(0)
    const handlerId = bytes.readUInt32LE(8)
    const handler = handlers[handlerId]
    if (typeof handler !== 'function') {
      // A copy: nothing may overwrite the scratch meanwhile, but keep it simple to prove.
      const copy = Buffer.from(bytes.subarray(0, end))
      resolveHandler(handlerId).then(() => run(copy))
      task = concurrent ? handle.take() : null
      continue
    }
    let value
    let thenable
    try {
      // Detached: typed arrays in the payload must not be views of the scratch.
      value = handler(decodeDetached(bytes, DELIVERY_HEADER, end), new TaskContext(id))
      thenable = isThenable(value) // reads `then`, which may be a throwing getter
    } catch (error) {
      task = completeTask(id, false, encodeFailure(error))
      continue
    }
    if (thenable) {
      // Not Promise.resolve(value): it reads `constructor`, which may throw.
      new Promise((resolve) => resolve(value)).then(
        (result) => run(finish(id, result)),
        (error) => run(completeTask(id, false, encodeFailure(error))),
      )
      task = concurrent ? handle.take() : null
      continue
    }
    task = finish(id, value)
  }
}

/** The doorbell: tasks were assigned to this worker (or, when it shares itself, some were aborted). */
function onDoorbell() {
  if (concurrent) {
    for (const id of handle.takeAborted() ?? []) {
      const controller = controllers.get(id)
      if (controller) controller.abort()
      else abortedEarly.add(id)
    }
  }
  run(handle.take())
}

/** With a memory limit, the core hears this worker's heap after every task (before the next is taken). */
function beforeComplete(id) {
  if (controllers.size > 0) controllers.delete(id)
  if (abortedEarly.size > 0) abortedEarly.delete(id)
  if (reportHeap) handle.reportHeap(v8.getHeapStatistics().used_heap_size / 2 ** 20)
}

function completeTask(id, ok, bytes) {
  beforeComplete(id)
  return handle.complete(id, ok, bytes)
}

function finish(id, result) {
  let encoded
  try {
    encoded = encode(result)
  } catch (error) {
    return completeTask(id, false, encodeThrown(notCloneable(`The task's result cannot be cloned: ${error.message}`)))
  }
  if (typeof encoded !== 'string') return completeTask(id, true, encoded)
  beforeComplete(id)
  return handle.completeText(id, encoded)
}

function isThenable(value) {
  return value !== null && (typeof value === 'object' || typeof value === 'function') && typeof value.then === 'function'
}

/**
 * Fills `handlers[handlerId]`. A failure is stored as a handler that throws,
 * so that the task (and every later task naming it) rejects and the worker
 * keeps serving.
 */
async function resolveHandler(handlerId) {
  const spec = handle.handler(handlerId)
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

/** Thrown in place of a handler whose module failed to load. */
class LoadFailure {
  constructor(cause) { this.cause = cause }
}

function encodeFailure(error) {
  return error instanceof LoadFailure ? encodeThrown(error.cause, 'load') : encodeThrown(error)
}

/**
 * `ctx` of a handler. The signal is made only if the handler asks for it; it
 * aborts when the task is aborted while its worker runs others too (a worker
 * with one task is terminated instead).
 */
class TaskContext {
  #id
  constructor(id) {
    this.#id = id
    this.taskId = String(id)
    this.workerId = workerId
  }

  get signal() {
    const controller = new AbortController()
    controllers.set(this.#id, controller)
    if (abortedEarly.delete(this.#id)) controller.abort()
    Object.defineProperty(this, 'signal', { value: controller.signal, enumerable: true })
    return controller.signal
  }
}

async function start() {
  // A module that fails here kills the worker with its error: the pool sees a
  // start failure and rejects with WorkerStartError (cause: this error).
  if (filename !== null) await loadModule(filename)
  const first = handle.ready(onDoorbell)
  if (first !== null) run(first)
}

start().catch((error) => {
  // Rethrown outside the promise so that it is an uncaught exception.
  process.nextTick(() => { throw error })
})
