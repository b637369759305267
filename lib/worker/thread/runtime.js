'use strict'

/**
 * The entry point of every worker thread. It loads the user's module, then
 * runs tasks handed over by the Rust core (see ../task-runner.js): a task
 * arrives either as the return value of the previous `complete()` (while
 * busy) or after the doorbell rings (while idle), so an idle worker sleeps in
 * its event loop without polling.
 */
const v8 = require('node:v8')
const workerThreads = require('node:worker_threads')
const { syncBuiltinESMExports } = require('node:module')
const { WorkerHandle } = require('../../native')
const { loadModule } = require('../module-loader')
const { WORKER_STATE } = require('../../shared/worker-state')
const { createTaskRunner } = require('../task-runner')
const { createSidecar } = require('../../shared/transfer')
const { lowerPriority } = require('../priority')

const { poolId, workerId, filename, workerData, memoryLimit, concurrent, sidePort, niceIncrement } = workerThreads.workerData
// First, so that everything this thread runs runs at it.
lowerPriority('thread', niceIncrement)
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

// Cluster pools have no side channel: their results go through Redis.
const sidecar = sidePort ? createSidecar(sidePort) : null
sidecar?.listen()
const runner = createTaskRunner({
  carrier: handle,
  scratch,
  workerId,
  concurrent,
  measureMemoryMb: () => v8.getHeapStatistics().used_heap_size / 2 ** 20,
  memoryLimit,
  sidecar,
})
// A payload that arrives before its task was taken is the task's doorbell.
if (sidecar !== null) sidecar.onArrival = runner.onDoorbell

/**
 * The doorbell also rings when the pool stops this worker while it runs
 * nothing: it then ends as a thread that returns does, and what it wrote last
 * (console output on its way to the main thread) is not lost, as it would be
 * to `worker.terminate()`. The pool terminates it if it has not left soon.
 */
function onDoorbell() {
  if (!runner.onDoorbell() && handle.leaving()) process.exit(0)
}

async function start() {
  // A module that fails here kills the worker with its error: the pool sees a
  // start failure and rejects with WorkerStartError (cause: this error).
  if (filename !== null) await loadModule(filename)
  const first = handle.ready(onDoorbell)
  if (first !== null) runner.run(first)
}

start().catch((error) => {
  // Rethrown outside the promise so that it is an uncaught exception.
  process.nextTick(() => { throw error })
})
