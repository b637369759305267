'use strict'

/**
 * Structured clone across the pool, with Node's v8 serializer (the same
 * format `postMessage` uses): Map, Set, Date, RegExp, BigInt, typed arrays,
 * Buffer, nested objects.
 */
const v8 = require('node:v8')
const { notCloneable } = require('./errors')

function serializePayload(payload) {
  try {
    return v8.serialize(payload)
  } catch (error) {
    throw notCloneable(`The task's payload cannot be cloned: ${error.message}`)
  }
}

/**
 * Results arrive many to a buffer. The default deserializer makes typed arrays
 * views into that buffer, which would expose other tasks' bytes and keep the
 * whole batch alive; this one gives each typed array memory of its own.
 */
class DetachedDeserializer extends v8.DefaultDeserializer {
  _readHostObject() {
    const view = super._readHostObject()
    if (Buffer.isBuffer(view)) return Buffer.from(view)
    if (view instanceof DataView) {
      return new DataView(view.buffer.slice(view.byteOffset, view.byteOffset + view.byteLength))
    }
    return view.slice()
  }
}

function deserializeResult(bytes) {
  const deserializer = new DetachedDeserializer(bytes)
  deserializer.readHeader()
  return deserializer.readValue()
}

module.exports = { serializePayload, deserializeResult }
