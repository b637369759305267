'use strict'

/**
 * The JavaScript side of a cluster pool's tasks: what a payload becomes on
 * its way to Redis, and what a submitter's promise settles with when the
 * task's end comes back (see `ClusterSettled` in src/binding/wire.rs).
 */
const v8 = require('node:v8')
const errors = require('../shared/errors')
const { jsonOf, decodeDetached } = require('../shared/codec')
const { survey } = require('../shared/transfer')
const { decodeThrown } = require('../shared/thrown-value')
const { signalName, decodeCause } = require('../pool/worker-exit')
const { forEachEvent } = require('../shared/wire')
const { EventKind } = require('../native')

const EVENT = Object.freeze({ ...EventKind })
/** `ResultKind` in src/cluster/node/mod.rs. */
const RESULT = Object.freeze({ done: 0, deliveryLimit: 1, lost: 2, invalid: 3, unavailable: 4, queueFull: 5 })

/**
 * A payload as it travels through Redis: JSON text when that is an exact
 * clone, else v8's format. Memory cannot be shared with another machine;
 * what is listed for transfer is copied (and detached here, as a thread
 * pool would detach it).
 */
function encodeForCluster(payload, transferList) {
  const json = transferList === undefined ? jsonOf(payload) : null
  if (json !== null) return json
  const found = survey(payload, transferList)
  if (found.shared) throw errors.notCloneable("The task's payload holds a SharedArrayBuffer: memory cannot be shared with another node of a cluster")
  if (found.port) throw errors.notCloneable("The task's payload holds a MessagePort: a port cannot be sent to another node of a cluster")
  let encoded
  try {
    encoded = v8.serialize(payload)
  } catch (error) {
    throw errors.notCloneable(`The task's payload cannot be cloned: ${error.message}`)
  }
  if (found.transfer.size > 0) structuredClone(undefined, { transfer: [...found.transfer] })
  return encoded
}

/**
 * What a submitted task's end settles its promise with: `{ ok, value }`.
 * `batch[start..end)`: the reporting node's id, then the body.
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

/** The running node's own event records for the task: its exit first, for a crash. */
function remoteOutcome(records, nodeId, config) {
  let exit = {}
  let outcome = null
  forEachEvent(records, records.length, (kind, a, b, c, d, bytes, start, end) => {
    switch (kind) {
      case EVENT.WorkerExited:
        exit = {
          exitCode: Number.isNaN(c) ? null : c,
          signal: d === 0 ? null : signalName(d),
          cause: end > start ? decodeCause(bytes, start, end) : undefined,
        }
        return
      case EVENT.Returned:
        outcome = { ok: true, value: decodeDetached(bytes, start, end) }
        return
      case EVENT.Threw: {
        const { kind: how, error } = decodeThrown(bytes, start, end)
        outcome = { ok: false, value: how === 'load' ? new errors.WorkerStartError(error) : error }
        return
      }
      case EVENT.TimedOut:
        outcome = { ok: false, value: new errors.TimeoutError(b, c) }
        return
      case EVENT.Crashed:
        outcome = { ok: false, value: new errors.WorkerCrashedError({ workerId: b, attempts: d, ...exit, nodeId }) }
        return
      case EVENT.StartFailed:
        outcome = { ok: false, value: new errors.WorkerStartError(new Error(`no worker could start on node ${nodeId}`)) }
        return
      case EVENT.QueueTimedOut:
        outcome = { ok: false, value: new errors.QueueTimeoutError(config.maxQueueWaitMs) }
        return
      case EVENT.Aborted:
        // Its submitter settles an abort itself; this is for any other path.
        outcome = { ok: false, value: new errors.AbortError() }
        return
      default:
        outcome = { ok: false, value: new Error(`node ${nodeId} reported an unknown outcome ${kind}`) }
    }
  })
  return outcome ?? { ok: false, value: new Error(`node ${nodeId} reported no outcome for the task`) }
}

module.exports = { encodeForCluster, clusterOutcome }
