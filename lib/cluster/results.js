'use strict'

/**
 * What a submitter's promise settles with when a cluster task's end comes
 * back (`ClusterSettled` in src/binding/wire.rs): the queue's own verdicts
 * (delivery limit, lost, invalid...), or the event records of the node that
 * ran it, mapped to values and errors exactly as a local pool maps its own
 * (lib/pool/outcomes.js), plus the node's id.
 */
const errors = require('../shared/errors')
const { decodeDetached } = require('../shared/codec')
const { forEachEvent } = require('../shared/wire')
const { EVENT, taskError } = require('../pool/outcomes')
const { workerEnd, startErrorOf } = require('../pool/worker-exit')
const { CLUSTER_RESULT: RESULT } = require('../shared/generated/constants')

/**
 * `{ ok, value }`: what the task's promise settles with.
 * `batch[start..end)`: the reporting node's id (u16 LE length, UTF-8), then the body.
 */
function clusterOutcome(kind, deliveries, batch, start, end, config) {
  const idLength = batch.readUInt16LE(start)
  const nodeId = batch.toString('utf8', start + 2, start + 2 + idLength)
  const bodyStart = start + 2 + idLength
  const reason = () => batch.toString('utf8', bodyStart, end)
  switch (kind) {
    case RESULT.done: return remoteOutcome(batch.subarray(bodyStart, end), nodeId, config)
    case RESULT.deliveryLimit: return { ok: false, value: new errors.DeliveryLimitError(deliveries, nodeId) }
    case RESULT.lost: return { ok: false, value: new errors.ClusterUnavailableError(nodeId === '' ? reason() : `the queue lost the task (its entry was deleted from Redis while node ${nodeId} held it)`) }
    case RESULT.invalid: return { ok: false, value: errors.invalidValue(`The task was dead-lettered as invalid by node ${nodeId}: ${reason()}`) }
    case RESULT.unavailable: return { ok: false, value: new errors.ClusterUnavailableError(reason()) }
    case RESULT.queueFull: return { ok: false, value: new errors.QueueFullError(config.maxQueue) }
    default: throw new Error(`unknown cluster result ${kind}`)
  }
}

/** The running node's own event records for the task: its worker's exit first, for a crash. */
function remoteOutcome(records, nodeId, config) {
  let exit
  let outcome = null
  const context = {
    exitOf: () => exit,
    startError: () => (exit === undefined ? new Error(`no worker could start on node ${nodeId}`) : startErrorOf(exit)),
    // The submitter settles an abort itself, with its signal's reason, as
    // soon as it happens; this outcome then finds the task settled.
    abortReason: () => undefined,
    maxQueueWaitMs: config.maxQueueWaitMs,
    nodeId,
  }
  forEachEvent(records, records.length, (kind, a, b, c, d, bytes, start, end) => {
    if (kind === EVENT.WorkerExited) {
      exit = workerEnd(c, d, bytes, start, end, undefined)
    } else if (kind === EVENT.Returned) {
      outcome = { ok: true, value: decodeDetached(bytes, start, end) }
    } else {
      const error = taskError(kind, a, b, c, d, bytes, start, end, context)
      outcome = { ok: false, value: error ?? new Error(`node ${nodeId} reported an unknown outcome ${kind}`) }
    }
  })
  return outcome ?? { ok: false, value: new Error(`node ${nodeId} reported no outcome for the task`) }
}

module.exports = { clusterOutcome }
