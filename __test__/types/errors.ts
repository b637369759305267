// Every error class the package exports, its code and its extra fields, as
// the README's Errors table lists them, narrowed with instanceof as a
// CommonJS user would. Compiled, never run.
import {
  AbortError,
  ClusterUnavailableError,
  DeliveryLimitError,
  DisposedError,
  JobBusyError,
  JobNotFoundError,
  OrchestratorStoppedError,
  ParallelProcessor,
  ProcessorError,
  QueueFullError,
  QueueTimeoutError,
  TimeoutError,
  UnsupportedRuntimeError,
  WorkerCrashedError,
  WorkerStartError,
} from 'parallel-processor'
import { exactly } from './helpers'

// Every class extends ProcessorError, which extends Error.
const all: Array<typeof ProcessorError> = [
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
]
void all

function handle(error: unknown): void {
  if (!(error instanceof ProcessorError)) return
  exactly<string>()(error.code)
  exactly<string>()(error.message)
  exactly<string | undefined>()(error.stack)
  const asError: Error = error
  void asError

  if (error instanceof TimeoutError) {
    exactly<'ERR_TASK_TIMEOUT'>()(error.code)
    exactly<number>()(error.timeoutMs)
    exactly<number>()(error.attempts)
  } else if (error instanceof WorkerCrashedError) {
    exactly<'ERR_WORKER_CRASHED'>()(error.code)
    exactly<number>()(error.workerId)
    exactly<number | null>()(error.exitCode)
    exactly<string | null>()(error.signal)
    exactly<number>()(error.attempts)
    exactly<unknown>()(error.cause)
    exactly<string | undefined>()(error.nodeId)
  } else if (error instanceof WorkerStartError) {
    exactly<'ERR_WORKER_START'>()(error.code)
    exactly<unknown>()(error.cause)
  } else if (error instanceof DisposedError) {
    exactly<'ERR_PROCESSOR_DISPOSED'>()(error.code)
  } else if (error instanceof QueueFullError) {
    exactly<'ERR_QUEUE_FULL'>()(error.code)
  } else if (error instanceof QueueTimeoutError) {
    exactly<'ERR_QUEUE_TIMEOUT'>()(error.code)
    exactly<number>()(error.maxQueueWaitMs)
  } else if (error instanceof AbortError) {
    exactly<'ABORT_ERR'>()(error.code)
    exactly<'AbortError'>()(error.name)
    exactly<unknown>()(error.cause)
  } else if (error instanceof ClusterUnavailableError) {
    exactly<'ERR_CLUSTER_UNAVAILABLE'>()(error.code)
  } else if (error instanceof DeliveryLimitError) {
    exactly<'ERR_DELIVERY_LIMIT'>()(error.code)
    exactly<number>()(error.deliveries)
    exactly<string>()(error.nodeId)
  } else if (error instanceof JobBusyError) {
    exactly<'ERR_JOB_BUSY'>()(error.code)
    exactly<string>()(error.job)
  } else if (error instanceof JobNotFoundError) {
    exactly<'ERR_JOB_NOT_FOUND'>()(error.code)
    exactly<string | undefined>()(error.job)
  } else if (error instanceof OrchestratorStoppedError) {
    exactly<'ERR_ORCHESTRATOR_STOPPED'>()(error.code)
  } else if (error instanceof UnsupportedRuntimeError) {
    exactly<'ERR_UNSUPPORTED_RUNTIME'>()(error.code)
    exactly<'node' | 'bun' | 'deno'>()(error.runtime)
    exactly<string>()(error.runtimeVersion)
    exactly<string>()(error.missing)
  }
}

async function settlement(pool: ParallelProcessor): Promise<void> {
  try {
    await pool.execute(1, { timeoutMs: 100, retries: 2 })
  } catch (error) {
    handle(error)
    if (error instanceof WorkerCrashedError && error.signal === 'SIGSEGV') console.log(error.exitCode)
  }
}
void settlement

function misuse(error: ProcessorError, crashed: WorkerCrashedError, timeout: TimeoutError): void {
  // @ts-expect-error: only TimeoutError has timeoutMs
  void error.timeoutMs
  // @ts-expect-error: exitCode may be null (a signal killed the worker)
  void crashed.exitCode.toFixed()
  // @ts-expect-error: a TimeoutError's code is ERR_TASK_TIMEOUT
  if (timeout.code === 'ERR_WORKER_CRASHED') return
  // @ts-expect-error: the fields are read-only
  timeout.attempts = 2
}
void misuse
