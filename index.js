'use strict'

const { ParallelProcessor } = require('./lib/processor')
const { publicErrors } = require('./lib/errors')
const { workerState } = require('./lib/worker-state')

const state = workerState()

module.exports = {
  ParallelProcessor,
  ...publicErrors,
  /** True inside a worker of a pool. */
  isWorker: state !== undefined,
  /** Inside a worker: the pool's `workerData`. */
  workerData: state === undefined ? undefined : state.workerData,
}
