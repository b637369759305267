'use strict'

const { ParallelProcessor } = require('./lib/pool/processor')
const { publicErrors } = require('./lib/shared/errors')
const { workerState } = require('./lib/shared/worker-state')
const { move } = require('./lib/shared/transfer')

const state = workerState()

module.exports = {
  ParallelProcessor,
  /** Loaded when first asked for: a program (or a worker) that only runs pools does not pay for it (~4 ms). */
  get Orchestrator() {
    return require('./lib/orchestrator/orchestrator').Orchestrator
  },
  ...publicErrors,
  /** Marks a buffer, typed array or MessagePort to be moved, not copied (both sides). */
  move,
  /** True inside a worker of a pool. */
  isWorker: state !== undefined,
  /** Inside a worker: the pool's `workerData`. */
  workerData: state === undefined ? undefined : state.workerData,
}
