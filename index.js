'use strict'

const { ParallelProcessor } = require('./lib/processor')
const {
  ProcessorError,
  TimeoutError,
  WorkerCrashedError,
  WorkerStartError,
  DisposedError,
  QueueFullError,
  QueueTimeoutError,
  AbortError,
} = require('./lib/errors')
const { workerState } = require('./lib/worker-state')

const state = workerState()

module.exports = {
  ParallelProcessor,
  ProcessorError,
  TimeoutError,
  WorkerCrashedError,
  WorkerStartError,
  DisposedError,
  QueueFullError,
  QueueTimeoutError,
  AbortError,
  /** True inside a worker of a pool. */
  isWorker: state !== undefined,
  /** Inside a worker: the pool's `workerData` option. */
  workerData: state === undefined ? undefined : state.workerData,
}
