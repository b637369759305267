'use strict'

/**
 * Structured clone, cheaply. The contract is Node's v8 serializer (what
 * `postMessage` uses), and it costs ~3 µs for a small object where
 * JSON.stringify costs ~0.2 µs. So a value whose JSON round trip is exactly
 * its structured clone travels as JSON text; anything else (Map, Date,
 * typed arrays, BigInt, undefined, -0, NaN, shared or cyclic references,
 * class instances, large graphs...) takes the v8 path. The two are told apart
 * by the first byte: v8's format starts with 0xFF, JSON text never does.
 */
const v8 = require('node:v8')
const { types } = require('node:util')

/**
 * The first byte of what `v8.serialize` writes: 0xFF in V8's format (Node,
 * Deno). Bun's `v8.serialize` writes JavaScriptCore's format instead, whose
 * first byte is its version number; neither is ever JSON text's first byte.
 */
const SERIALIZED_TAG = v8.serialize(null)[0]
/** V8's own format, which `serializedParts` writes by hand and `v8.DefaultDeserializer` reads. */
const V8_FORMAT = SERIALIZED_TAG === 0xff && typeof v8.DefaultDeserializer === 'function'
/** Bigger graphs go to v8 directly: checking them would cost more than it saves. */
const MAX_NODES = 512

/** Past this many objects, `seen` becomes a Set: `includes` would go quadratic. */
const SEEN_LIST_MAX = 16

/** A JSON string when that is an exact clone of `value`, else v8 bytes. Throws if not cloneable. */
function encode(value) {
  return jsonOf(value) ?? v8.serialize(value)
}

/** A typed array this big is serialized in parts (see `serializedParts`). */
const PARTS_FROM_BYTES = 64 * 1024
/** Constructor -> the start of v8's bytes for an instance, up to its byte length. */
const viewHeads = new Map()

/**
 * v8's bytes for a big Buffer or typed array, as `{ head, bytes }`: the
 * format's header and the view's type, then its length and its own bytes
 * (a Buffer over its memory, not a copy). The addon joins them with one
 * copy, where `v8.serialize` would copy the bytes once more. Null for
 * anything else, which `v8.serialize` handles whole.
 */
function serializedParts(value) {
  if (!V8_FORMAT || !ArrayBuffer.isView(value) || value.byteLength < PARTS_FROM_BYTES || types.isSharedArrayBuffer(value.buffer)) return null
  const head = viewHead(value.constructor)
  if (head === null) return null
  const length = lengthBytes(value.byteLength)
  return {
    head: Buffer.concat([head, length]),
    bytes: Buffer.from(value.buffer, value.byteOffset, value.byteLength),
  }
}

/**
 * What v8.serialize writes before the byte length of an instance of `Ctor`,
 * learnt from an empty one (whose length is the single byte 0). Null for a
 * constructor it does not write that way (a subclass, DataView...).
 */
function viewHead(Ctor) {
  let head = viewHeads.get(Ctor)
  if (head === undefined) {
    head = null
    if (Ctor === Buffer || VIEW_TYPES.includes(Ctor)) {
      const empty = v8.serialize(Ctor === Buffer ? Buffer.alloc(0) : new Ctor(0))
      if (empty[empty.length - 1] === 0) head = empty.subarray(0, empty.length - 1)
    }
    viewHeads.set(Ctor, head)
  }
  return head
}

const VIEW_TYPES = [Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array, Float32Array, Float64Array, BigInt64Array, BigUint64Array]

/** A length as v8's format writes it: base-128, least significant group first. */
function lengthBytes(length) {
  const bytes = []
  do {
    let group = length % 128
    length = Math.floor(length / 128)
    if (length > 0) group |= 0x80
    bytes.push(group)
  } while (length > 0)
  return Buffer.from(bytes)
}

/** JSON text when that is an exact clone of `value`, else null. */
function jsonOf(value) {
  const budget = { nodes: 0, first: null, seen: null, seenSet: null }
  if (isJsonExact(value, budget)) {
    try {
      return JSON.stringify(value)
    } catch {
      // Escaping can outgrow V8's longest string where v8's format does not.
    }
  }
  return null
}

/**
 * Whether JSON.parse(JSON.stringify(value)) equals the structured clone of
 * `value`: only null, booleans, strings, finite numbers other than -0,
 * dense plain arrays and plain objects without undefined members, each
 * reached once (structured clone keeps shared references and cycles; JSON does not).
 */
function isJsonExact(value, budget) {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true
    case 'number':
      return Number.isFinite(value) && !Object.is(value, -0)
    case 'object': {
      if (value === null) return true
      if (++budget.nodes > MAX_NODES || !firstVisit(value, budget)) return false
      // The prototype first: it rules out class instances more cheaply.
      const proto = Object.getPrototypeOf(value)
      const isArray = Array.isArray(value)
      if (isArray ? proto !== Array.prototype : proto !== Object.prototype && proto !== null) return false
      if (isExotic(value, isArray) || typeof value.toJSON === 'function') return false
      if (isArray) {
        const length = value.length
        // Holes and extra named properties, which JSON would lose or change.
        if (Object.keys(value).length !== length) return false
        for (let i = 0; i < length; i++) {
          if (!Object.hasOwn(value, i) || !isJsonExact(value[i], budget)) return false
        }
        return true
      }
      for (const key in value) {
        const member = value[key]
        if (member === undefined || !isJsonExact(member, budget)) return false
      }
      return true
    }
    default:
      return false // undefined, bigint, symbol, function
  }
}

/**
 * False if `value` was reached before (a shared reference or a cycle). The
 * first object is kept apart: a payload that is one flat object (the
 * commonest) then allocates no list.
 */
function firstVisit(value, budget) {
  if (budget.seenSet !== null) {
    if (budget.seenSet.has(value)) return false
    budget.seenSet.add(value)
    return true
  }
  if (budget.first === null) {
    budget.first = value
    return true
  }
  if (value === budget.first) return false
  if (budget.seen === null) {
    budget.seen = [value]
    return true
  }
  if (budget.seen.includes(value)) return false
  budget.seen.push(value)
  if (budget.seen.length >= SEEN_LIST_MAX) budget.seenSet = new Set([budget.first, ...budget.seen])
  return true
}

const objectToString = Object.prototype.toString

/**
 * Objects that look plain by their prototype but are not: proxies (what
 * Vue, MobX and Immer hand out), `arguments`, module namespaces, and built-ins
 * whose prototype was swapped. Structured clone refuses or keeps them whole;
 * JSON would flatten them.
 *
 * Each `util.types` check is a call into C++ (~15-20 ns), and this runs for
 * every object of every payload and result. Once no `Symbol.toStringTag`
 * can be found on it (`in` runs no getter; a proxy is ruled out first),
 * `Object.prototype.toString` names exactly the built-in kind of a plain
 * object or array: "Arguments", "Date", "RegExp", "Error" (native errors),
 * "Boolean", "Number", "String" tell themselves apart in that one call (a
 * module namespace has its own tag). Map, Set, array buffers, typed arrays
 * and boxed symbols or bigints would say "Object", so they are asked about.
 */
function isExotic(value, isArray) {
  if (types.isProxy(value) || Symbol.toStringTag in value) return true
  if (objectToString.call(value) !== (isArray ? '[object Array]' : '[object Object]')) return true
  return types.isMap(value) || types.isSet(value) || types.isAnyArrayBuffer(value) ||
    types.isArrayBufferView(value) || types.isBoxedPrimitive(value)
}

/**
 * Decodes `buffer[start..end)`, as written by `encode`. The bytes sit in a
 * buffer that is shared (a batch of results) or reused (a scratch buffer), so
 * typed arrays get memory of their own instead of being views into it (which
 * would expose other tasks' bytes, or be overwritten).
 */
function decodeDetached(buffer, start, end) {
  if (buffer[start] !== SERIALIZED_TAG) return JSON.parse(buffer.toString('utf8', start, end))
  return deserializeDetached(buffer, start, end)
}

/**
 * Decodes `buffer[start..end)` when the buffer is the caller's to give away:
 * big typed arrays in the value are views of it, not copies (their
 * `.buffer` is then the whole task's memory, larger than the view).
 */
function decodeInPlace(buffer, start, end) {
  if (buffer[start] !== SERIALIZED_TAG) return JSON.parse(buffer.toString('utf8', start, end))
  if (!V8_FORMAT) return v8.deserialize(buffer.subarray(start, end))
  const deserializer = new InPlaceDeserializer(buffer.subarray(start, end))
  deserializer.readHeader()
  return deserializer.readValue()
}

/**
 * v8's format only, with the detached copies of `decodeDetached`. Where there
 * is no `v8.DefaultDeserializer` (Bun), `v8.deserialize` gives every typed
 * array memory of its own anyway.
 */
function deserializeDetached(buffer, start, end) {
  if (!V8_FORMAT) return v8.deserialize(buffer.subarray(start, end))
  const deserializer = new DetachedDeserializer(buffer.subarray(start, end))
  deserializer.readHeader()
  return deserializer.readValue()
}

// Bun: never instantiated (see V8_FORMAT), only declared.
const DefaultDeserializer = V8_FORMAT ? v8.DefaultDeserializer : class {}

class DetachedDeserializer extends DefaultDeserializer {
  _readHostObject() {
    return detached(super._readHostObject())
  }
}

/** A typed array this big stays a view of the task's memory when decoded in place. */
const IN_PLACE_FROM_BYTES = 64 * 1024

/**
 * Big views stay views of the task's own memory (no copy); small ones get
 * memory of their own, so that a small array a handler keeps does not pin
 * the whole task's bytes.
 */
class InPlaceDeserializer extends DefaultDeserializer {
  _readHostObject() {
    const view = super._readHostObject()
    return view.byteLength >= IN_PLACE_FROM_BYTES ? view : detached(view)
  }
}

/** A copy of a view in memory of its own, of the same type. */
function detached(view) {
  if (Buffer.isBuffer(view)) return Buffer.from(view)
  if (view instanceof DataView) {
    return new DataView(view.buffer.slice(view.byteOffset, view.byteOffset + view.byteLength))
  }
  return view.slice()
}

module.exports = { SERIALIZED_TAG, encode, jsonOf, serializedParts, decodeDetached, decodeInPlace, deserializeDetached }
