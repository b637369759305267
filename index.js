'use strict'

const { ParallelProcessor } = require('./lib/processor')
const { publicErrors } = require('./lib/errors')
const { workerState } = require('./lib/worker-state')
const { move } = require('./lib/transfer')

const state = workerState()

module.exports = {
  ParallelProcessor,
  ...publicErrors,
  /** Marks a buffer, typed array or MessagePort to be moved, not copied (both sides). */
  move,
  /** True inside a worker of a pool. */
  isWorker: state !== undefined,
  /** Inside a worker: the pool's `workerData`. */
  workerData: state === undefined ? undefined : state.workerData,
}
