'use strict'

const { ParallelProcessor } = require('./lib/processor')
const { Orchestrator } = require('./lib/orchestrator')
const { publicErrors } = require('./lib/errors')
const { workerState } = require('./lib/worker-state')
const { move } = require('./lib/transfer')

const state = workerState()

module.exports = {
  ParallelProcessor,
  Orchestrator,
  ...publicErrors,
  /** Marks a buffer, typed array or MessagePort to be moved, not copied (both sides). */
  move,
  /** True inside a worker of a pool. */
  isWorker: state !== undefined,
  /** Inside a worker: the pool's `workerData`. */
  workerData: state === undefined ? undefined : state.workerData,
}
