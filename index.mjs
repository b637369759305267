import pkg from './index.js'

export const {
  ParallelProcessor,
  ProcessorError,
  TimeoutError,
  WorkerCrashedError,
  WorkerStartError,
  DisposedError,
  QueueFullError,
  QueueTimeoutError,
  AbortError,
  move,
  isWorker,
  workerData,
} = pkg

export default pkg
