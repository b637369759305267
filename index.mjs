import pkg from './index.js'

export const {
  ParallelProcessor,
  Orchestrator,
  ProcessorError,
  TimeoutError,
  WorkerCrashedError,
  WorkerStartError,
  DisposedError,
  QueueFullError,
  QueueTimeoutError,
  AbortError,
  ClusterUnavailableError,
  DeliveryLimitError,
  JobBusyError,
  JobNotFoundError,
  OrchestratorStoppedError,
  UnsupportedRuntimeError,
  move,
  isWorker,
  workerData,
} = pkg

export default pkg
