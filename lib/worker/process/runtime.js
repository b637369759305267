'use strict'

/**
 * The entry point of every process worker (a child started by the Rust core
 * with the parent's own `node`). It reads its settings from the parent, loads
 * the user's module, then runs tasks as a thread worker does (see
 * ../task-runner.js), over the channel in channel.js.
 */
const v8 = require('node:v8')
const workerThreads = require('node:worker_threads')
const { syncBuiltinESMExports } = require('node:module')
const { ProcessChannel } = require('./channel')
const { loadModule } = require('../module-loader')
const { encodeThrown } = require('../../shared/thrown-value')
const { WORKER_STATE } = require('../../shared/worker-state')
const { createTaskRunner } = require('../task-runner')
const { lowerPriority } = require('../priority')

const { watchLifeline } = require('./lifeline')

watchLifeline()
const channel = new ProcessChannel()

// An error nobody catches kills this worker, as it would kill a thread; the
// parent gets the error itself (the crash's `cause`) rather than a stack on
// stderr. A module that listens for it itself keeps that choice.
process.on('uncaughtException', function reportAndDie(error) {
  if (process.listeners('uncaughtException').some((listener) => listener !== reportAndDie)) return
  channel.fatal(encodeThrown(error))
  process.exit(1)
})

// The parent closed the channel: it is disposing of this worker, or gone.
channel.onClose = () => process.exit(0)

channel.onInit = (workerId, settingsBytes) => {
  const { filename, workerData, reportMemory, concurrent, niceIncrement } = v8.deserialize(settingsBytes)
  // Before the user's module loads, so that its top level runs at it too.
  lowerPriority('process', niceIncrement)
  // On Windows the title is the console's, which the child shares with its parent.
  if (process.platform !== 'win32') process.title = `parallel-processor worker ${workerId}`
  globalThis[WORKER_STATE] = Object.freeze({ workerData })
  workerThreads.workerData = workerData
  syncBuiltinESMExports()

  const runner = createTaskRunner({
    carrier: channel,
    scratch: null,
    workerId,
    concurrent,
    measureMemoryMb: () => process.memoryUsage.rss() / 2 ** 20,
    memoryLimit: reportMemory,
    sidecar: null,
  })
  channel.onTasks = runner.onDoorbell
  start(filename).then(
    () => channel.ready(),
    // Rethrown outside the promise so that it is an uncaught exception.
    (error) => process.nextTick(() => { throw error }),
  )
}

async function start(filename) {
  // A module that fails here kills the worker with its error: the pool sees a
  // start failure and rejects with WorkerStartError (cause: this error).
  if (filename !== null) await loadModule(filename)
}
