'use strict'

/**
 * piscina's errors (src/errors.ts, src/abort.ts): plain Errors with fixed
 * messages, and an AbortError. The pool's errors are translated into them
 * where piscina has its own; a handler's own error passes through as it is.
 */
const poolErrors = require('../shared/errors')

/**
 * piscina's AbortError (message 'The task has been aborted', `cause`: the
 * signal's reason), and still the pool's AbortError (`code: 'ABORT_ERR'`),
 * so that code written against either recognises it.
 */
class AbortError extends poolErrors.AbortError {
  constructor(reason) {
    super(reason)
    this.message = 'The task has been aborted'
  }
}

const Errors = {
  ThreadTermination: () => new Error('Terminating worker thread'),
  FilenameNotProvided: () => new Error('filename must be provided to run() or in options object'),
  TaskQueueAtLimit: () => new Error('Task queue is at limit'),
  NoTaskQueueAvailable: () => new Error('No task queue available and all Workers are busy'),
  CloseTimeout: () => new Error('Close operation timed out'),
}

/**
 * The error piscina gives where the pool gave `error`. `state`: { maxQueue,
 * destroying, closing } of the Piscina at that moment.
 */
function piscinaError(error, state) {
  if (error instanceof poolErrors.AbortError) return new AbortError(error.cause)
  if (error instanceof poolErrors.QueueFullError) return state.maxQueue === 0 ? Errors.NoTaskQueueAvailable() : Errors.TaskQueueAtLimit()
  if (error instanceof poolErrors.DisposedError) {
    // close({ force: true }) rejects what was queued; destroy() everything.
    return state.closing && !state.destroying ? new AbortError('pool is closed') : Errors.ThreadTermination()
  }
  // piscina rejects with the error that killed the worker, else with its exit code.
  if (error instanceof poolErrors.WorkerCrashedError) return error.cause ?? new Error(`worker exited with code: ${error.exitCode}`)
  // A module that cannot load: piscina rejects with the loader's error.
  if (error instanceof poolErrors.WorkerStartError && error.cause instanceof Error) return error.cause
  return error
}

module.exports = { AbortError, Errors, piscinaError }
