'use strict'

const { ParallelProcessor } = require('./lib/pool/processor')
const { Orchestrator } = require('./lib/orchestrator/orchestrator')
const { publicErrors } = require('./lib/shared/errors')
const { workerState } = require('./lib/shared/worker-state')
const { move } = require('./lib/shared/transfer')

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
