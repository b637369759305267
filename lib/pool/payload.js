'use strict'

/**
 * A task's payload on its way out of `execute()` when it is not plain JSON
 * (the caller tries `jsonOf` first: JSON text is the cheap path). Where the
 * task runs decides what its payload may hold:
 *   'thread'   memory may be moved or shared: such a payload, or one with big
 *              buffers, travels on the worker's side channel (see
 *              lib/shared/transfer.js); any other goes in v8's format
 *   'process'  v8's format, copied; memory and ports cannot cross
 *   'cluster'  v8's format, copied through Redis; memory and ports cannot cross
 * What is listed for transfer but copied is detached all the same, as a
 * thread pool would detach it.
 */
const v8 = require('node:v8')
const errors = require('../shared/errors')
const { serializedParts } = require('../shared/codec')
const { survey, hold, refuseSharing } = require('../shared/transfer')

/**
 * `{ encoded }`: a Buffer, or `{ head, bytes }` parts for a process (a big
 * typed array is copied once, by the addon, rather than by v8.serialize and
 * again by the addon); or `{ side }`: what the side channel carries for a
 * thread. Throws what `execute()` rejects with.
 */
function encodePayload(payload, transferList, destination, retries) {
  const found = survey(payload, transferList)
  if (destination === 'thread') {
    if (!found.wantsSide) return { encoded: serializePayload(payload), side: null }
    if (retries > 0 && (found.transfer.size > 0 || found.port)) {
      throw errors.invalidValue('A task whose payload is moved (transferList, move()) cannot be retried: what it moved is gone with the worker that ran it')
    }
    return { encoded: null, side: { held: hold(payload, found), buffers: found.buffers, retries } }
  }
  refuseSharing(found, "The task's payload", destination)
  const parts = destination === 'process' && found.transfer.size === 0 ? serializedParts(payload) : null
  if (parts !== null) return { encoded: parts, side: null }
  const encoded = serializePayload(payload)
  if (found.transfer.size > 0) structuredClone(undefined, { transfer: [...found.transfer] })
  return { encoded, side: null }
}

function serializePayload(payload) {
  try {
    return v8.serialize(payload)
  } catch (error) {
    throw errors.notCloneable(`The task's payload cannot be cloned: ${error.message}`)
  }
}

module.exports = { encodePayload }
