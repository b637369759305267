'use strict'

/**
 * What a task that did not return rejects with, from the core's event for
 * its end. One mapping for both paths: a local pool reads its own core's
 * events, a cluster submitter the event records of the node that ran the
 * task (lib/cluster/results.js). A `Returned` event is not a failure: its
 * bytes are the result.
 */
const { EventKind } = require('../native')
const errors = require('../shared/errors')
const { decodeThrown } = require('../shared/thrown-value')

// A frozen copy of the addon's enum: V8 then folds its values into the switch.
const EVENT = Object.freeze({ ...EventKind })

/**
 * The error for a failed task's event (fields as written in
 * src/binding/wire.rs), or null for an event that does not end a task.
 * `context` holds what the record does not carry:
 *   exitOf(workerId)     the worker's end, reported just before: { exitCode, signal, cause }
 *   startError()         why the last worker that failed to start did
 *   abortReason(taskId)  the reason of the task's signal, taken once
 *   maxQueueWaitMs       the pool's queue deadline
 *   nodeId               the node that ran the task; undefined for a local pool
 */
function taskError(kind, taskId, b, c, d, bytes, start, end, context) {
  switch (kind) {
    case EVENT.Threw: {
      const { kind: how, error } = decodeThrown(bytes, start, end)
      return how === 'load' ? new errors.WorkerStartError(error) : error
    }
    case EVENT.TimedOut: return new errors.TimeoutError(b, c)
    case EVENT.Crashed: return new errors.WorkerCrashedError({ workerId: b, attempts: d, ...context.exitOf(b), nodeId: context.nodeId })
    case EVENT.StartFailed: return new errors.WorkerStartError(context.startError())
    case EVENT.QueueTimedOut: return new errors.QueueTimeoutError(context.maxQueueWaitMs)
    case EVENT.Aborted: return new errors.AbortError(context.abortReason(taskId))
    case EVENT.Disposed: return new errors.DisposedError()
    default: return null
  }
}

module.exports = { EVENT, taskError }
