'use strict'

/**
 * The pool's own errors. They are created here, in JavaScript, so that they
 * are instances of the caller's `Error` (errors made by native code are not,
 * under test runners that use separate realms).
 */
class ProcessorError extends Error {
  constructor(message, code, options) {
    super(message, options)
    this.name = new.target.name
    this.code = code
  }
}

/** " (3 attempts)" when the task was retried. */
function attemptsNote(attempts) {
  return attempts > 1 ? ` (${attempts} attempts)` : ''
}

class TimeoutError extends ProcessorError {
  /** `outcome`: what was done about it (a job run on the main thread has its signal aborted instead). */
  constructor(timeoutMs, attempts = 1, outcome = 'its worker was terminated') {
    super(`Task timed out after ${timeoutMs} ms; ${outcome}${attemptsNote(attempts)}`, 'ERR_TASK_TIMEOUT')
    this.timeoutMs = timeoutMs
    /** How many times the task ran (more than 1 with `retries`). */
    this.attempts = attempts
  }
}

class WorkerCrashedError extends ProcessorError {
  constructor({ workerId, exitCode = null, signal = null, cause, attempts = 1, nodeId }) {
    const how = cause
      ? `: ${cause && cause.message ? cause.message : String(cause)}`
      : signal === null ? ` with exit code ${exitCode}` : ` (killed by ${signal})`
    const where = nodeId === undefined ? '' : ` of node ${nodeId}`
    super(`Worker ${workerId}${where} died while running the task${how}${attemptsNote(attempts)}`, 'ERR_WORKER_CRASHED', cause === undefined ? undefined : { cause })
    /** Cluster pools: the node the worker ran on. */
    if (nodeId !== undefined) this.nodeId = nodeId
    this.workerId = workerId
    this.exitCode = exitCode
    this.signal = signal
    /** How many times the task ran (more than 1 with `retries`). */
    this.attempts = attempts
  }
}

class WorkerStartError extends ProcessorError {
  constructor(cause) {
    const detail = cause && cause.message ? cause.message : String(cause)
    super(`The worker module could not be loaded: ${detail}`, 'ERR_WORKER_START', { cause })
  }
}

class DisposedError extends ProcessorError {
  constructor() {
    super('The processor has been disposed or closed', 'ERR_PROCESSOR_DISPOSED')
  }
}

class QueueFullError extends ProcessorError {
  constructor(maxQueue) {
    super(`The task queue is full (maxQueue: ${maxQueue})`, 'ERR_QUEUE_FULL')
  }
}

class QueueTimeoutError extends ProcessorError {
  constructor(maxQueueWaitMs) {
    super(`The task waited longer than ${maxQueueWaitMs} ms in the queue`, 'ERR_QUEUE_TIMEOUT')
    this.maxQueueWaitMs = maxQueueWaitMs
  }
}

/** The task's `signal` aborted; `cause` is the signal's reason. */
class AbortError extends ProcessorError {
  constructor(reason) {
    super('The task was aborted', 'ABORT_ERR', { cause: reason })
  }
}

/** Cluster pools: Redis cannot be reached (or lost the task); `execute()` rejects instead of hanging. */
class ClusterUnavailableError extends ProcessorError {
  constructor(reason) {
    super(`The cluster's Redis is unavailable: ${reason}`, 'ERR_CLUSTER_UNAVAILABLE')
  }
}

/** Cluster pools: the task was delivered `deliveries` times without an outcome and is in the dead-letter stream. */
class DeliveryLimitError extends ProcessorError {
  constructor(deliveries, nodeId) {
    super(`The task was delivered ${deliveries} times without an outcome (each node that took it died or lost it); it is in the queue's dead-letter stream`, 'ERR_DELIVERY_LIMIT')
    this.deliveries = deliveries
    /** The node that dead-lettered it. */
    this.nodeId = nodeId
  }
}

/** `trigger()` of a job that is running (or waiting for a retry). */
class JobBusyError extends ProcessorError {
  constructor(job) {
    super(`The job "${job}" is running`, 'ERR_JOB_BUSY')
    this.job = job
  }
}

/** A job name (or dead letter id) the orchestrator does not know, or a job unregistered before its run started. */
class JobNotFoundError extends ProcessorError {
  constructor(message, job) {
    super(message, 'ERR_JOB_NOT_FOUND')
    if (job !== undefined) this.job = job
  }
}

/** The orchestrator has been stopped (or was never started) and runs nothing. */
class OrchestratorStoppedError extends ProcessorError {
  constructor(message = 'The orchestrator has been stopped') {
    super(message, 'ERR_ORCHESTRATOR_STOPPED')
  }
}

/**
 * The constructor's options ask for what this runtime (Bun, Deno) cannot do;
 * `missing` says what, and why.
 */
class UnsupportedRuntimeError extends ProcessorError {
  /** `runtime`: 'bun', 'deno' or 'node'; `runtimeVersion`: e.g. "Bun 1.4.5". */
  constructor({ runtime, runtimeVersion, missing }) {
    super(`${runtimeVersion} cannot run this pool: ${missing} (see docs/runtimes.md)`, 'ERR_UNSUPPORTED_RUNTIME')
    this.runtime = runtime
    this.runtimeVersion = runtimeVersion
    this.missing = missing
  }
}

/** Node-style argument errors: a built-in class with a `code`. */
function argumentError(Class, code, message) {
  const error = new Class(message)
  error.code = code
  return error
}

const invalidType = (message) => argumentError(TypeError, 'ERR_INVALID_ARG_TYPE', message)
const invalidValue = (message) => argumentError(TypeError, 'ERR_INVALID_ARG_VALUE', message)
const outOfRange = (message) => argumentError(RangeError, 'ERR_OUT_OF_RANGE', message)
const notCloneable = (message) => argumentError(TypeError, 'ERR_DATA_CLONE', message)

/** The error classes users see (exported by the package). */
const publicErrors = {
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
}

module.exports = {
  publicErrors,
  ...publicErrors,
  argumentError,
  invalidType,
  invalidValue,
  outOfRange,
  notCloneable,
}
