'use strict'

/**
 * Set by the worker runtime before the user's module loads, so that
 * `require('parallel-processor')` inside a worker reports `isWorker` and the
 * pool's `workerData`, whichever copy of the package the module resolves.
 */
const WORKER_STATE = Symbol.for('parallel-processor.worker')

function workerState() {
  return globalThis[WORKER_STATE]
}

module.exports = { WORKER_STATE, workerState }
