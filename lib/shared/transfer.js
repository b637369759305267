'use strict'

/**
 * Memory that only V8 can move or share between threads: ArrayBuffers to
 * transfer (`transferList`, `move()`), MessagePorts, SharedArrayBuffers, and
 * big buffers, which cost less copied once and moved than serialized (twice
 * copied). A payload or result holding any of them travels beside the core,
 * on its worker's own MessagePort, keyed by task id (see `createSidecar`);
 * the core still schedules, times and settles the task as any other.
 *
 * Process workers have no such road: their buffers are copied, and shared
 * memory or ports are refused with a DataCloneError that says why.
 */
const { types } = require('node:util')
const { MessagePort, receiveMessageOnPort } = require('node:worker_threads')
const { invalidType, notCloneable } = require('./errors')
const { PAYLOAD_MARKER } = require('./generated/constants')

/**
 * Values marked by `move()`. Kept on globalThis: a worker's module may load
 * another copy of the package than the runtime did.
 */
const MOVED_KEY = Symbol.for('parallel-processor.moved')
const MOVED = globalThis[MOVED_KEY] ?? (globalThis[MOVED_KEY] = new WeakSet())

/** From this many bytes of buffers on, a value is copied once and moved rather than serialized. */
const BIG_BYTES = 256 * 1024
/** A buffer this big is copied by hand (one memcpy) rather than by structured clone (two, and more). */
const COPY_BY_HAND_BYTES = 64 * 1024
/** A walk stops looking past this many objects (the value then crosses by serialization). */
const MAX_NODES = 10000

/**
 * The first byte of a payload or result that travels on the side channel
 * (src/binding/pool_handle.rs `ANNOUNCED_PAYLOAD`): neither JSON text nor v8's format.
 */
const SIDE_MARKER = PAYLOAD_MARKER.side

const MAP_ENTRIES = Map.prototype.entries
const SET_VALUES = Set.prototype.values

/**
 * Marks an ArrayBuffer, a typed array or Buffer (its whole buffer), or a
 * MessagePort to be moved rather than copied: `execute(move(u8))` on the
 * caller, `return move(result)` in a handler. Returns `value` itself.
 */
function move(value) {
  if (!isTransferable(value) && !ArrayBuffer.isView(value)) {
    throw invalidType('move() takes an ArrayBuffer, a typed array, a Buffer, a DataView or a MessagePort')
  }
  MOVED.add(value)
  return value
}

function isTransferable(value) {
  return types.isArrayBuffer(value) || value instanceof MessagePort
}

/** What a value holds that serialization cannot carry, or carries at a cost. */
class Survey {
  /** Memory to move: ArrayBuffers and MessagePorts (listed or marked by move()). */
  transfer = new Set()
  /** Holds a SharedArrayBuffer (or a view on one). */
  shared = false
  /** Holds a MessagePort. */
  port = false
  /** Bytes of unshared buffers in it. */
  bytes = 0
  /** Paths (from plain objects and arrays) to the Buffers in it, which arrive as Uint8Arrays otherwise. */
  buffers = []
  /** `{ path, item }` for each big unshared ArrayBuffer or view reached through plain objects and arrays. */
  big = []
  /** ArrayBuffer -> how many times it is reached (itself or through views). */
  uses = new Map()
  nodes = 0

  /** Whether it must, or had better, travel on the side channel. */
  get wantsSide() {
    return this.transfer.size > 0 || this.shared || this.port || this.bytes >= BIG_BYTES
  }
}

/**
 * Surveys `value` and the `transferList` given with it. Throws TypeError
 * ERR_INVALID_ARG_TYPE for a transferList that is not an array of
 * ArrayBuffers and MessagePorts.
 */
function survey(value, transferList) {
  const found = new Survey()
  if (transferList !== undefined) {
    if (!Array.isArray(transferList)) throw invalidType('The "transferList" option must be an array of ArrayBuffers and MessagePorts')
    for (const entry of transferList) {
      if (!isTransferable(entry)) {
        const what = types.isSharedArrayBuffer(entry) ? 'a SharedArrayBuffer (it is shared, never moved)' : describe(entry)
        throw invalidType(`The "transferList" option must hold only ArrayBuffers and MessagePorts; received ${what}`)
      }
      found.transfer.add(entry)
      if (entry instanceof MessagePort) found.port = true
    }
  }
  walk(value, found, new Set(), [], true)
  return found
}

function describe(value) {
  if (value === null) return 'null'
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name} (list its .buffer)`
  return typeof value === 'object' ? `an instance of ${value.constructor?.name ?? 'Object'}` : `type ${typeof value}`
}

/** `path` leads to `value` through plain objects and arrays only while `traceable`. */
function walk(value, found, seen, path, traceable) {
  if (value === null || typeof value !== 'object' || seen.has(value)) return
  if (++found.nodes > MAX_NODES || types.isProxy(value)) return
  seen.add(value)
  if (MOVED.has(value)) {
    const transferable = ArrayBuffer.isView(value) ? value.buffer : value
    if (!types.isSharedArrayBuffer(transferable)) found.transfer.add(transferable)
  }
  if (types.isArrayBuffer(value)) {
    found.bytes += value.byteLength
    countUse(found, value, value, path, traceable)
  } else if (types.isSharedArrayBuffer(value)) {
    found.shared = true
  } else if (ArrayBuffer.isView(value)) {
    if (types.isSharedArrayBuffer(value.buffer)) {
      found.shared = true
    } else {
      found.bytes += value.byteLength
      countUse(found, value.buffer, value, path, traceable)
    }
    if (traceable && Buffer.isBuffer(value)) found.buffers.push([...path])
  } else if (value instanceof MessagePort) {
    found.port = true
  } else if (types.isMap(value)) {
    // Through the prototype's methods: the value's own prototype may be gone.
    for (const [key, member] of MAP_ENTRIES.call(value)) {
      walk(key, found, seen, path, false)
      walk(member, found, seen, path, false)
    }
  } else if (types.isSet(value)) {
    for (const member of SET_VALUES.call(value)) walk(member, found, seen, path, false)
  } else if (!types.isDate(value) && !types.isRegExp(value) && !types.isBoxedPrimitive(value)) {
    for (const key of Object.keys(value)) {
      path.push(key)
      walk(value[key], found, seen, path, traceable)
      path.pop()
    }
  }
}

function countUse(found, buffer, item, path, traceable) {
  found.uses.set(buffer, (found.uses.get(buffer) ?? 0) + 1)
  if (traceable && item.byteLength >= COPY_BY_HAND_BYTES) found.big.push({ path: [...path], item })
}

/** What cannot cross to each place that is not this process, and what to do instead. */
const ELSEWHERE = {
  process: { where: 'another process', shareHint: " (use kind: 'thread' to share it)", portHint: " (use kind: 'thread')" },
  cluster: { where: 'another node of a cluster', shareHint: '', portHint: '' },
}

/**
 * For process workers and clusters (`to`: 'process' or 'cluster'): shared
 * memory and ports cannot cross, and say so.
 */
function refuseSharing(found, what, to = 'process') {
  const { where, shareHint, portHint } = ELSEWHERE[to]
  if (found.shared) {
    throw notCloneable(`${what} holds a SharedArrayBuffer: memory cannot be shared with ${where}${shareHint}`)
  }
  if (found.port) {
    throw notCloneable(`${what} holds a MessagePort: a port cannot be sent to ${where}${portHint}`)
  }
}

/**
 * A private copy of `value` that the side channel can move: what `found`
 * lists for transfer is moved into it (the caller's buffers are detached
 * now, as postMessage would detach them), SharedArrayBuffers are shared,
 * and the other buffers are copied once. Structured clone would copy a
 * buffer twice (into its serialization and out of it, growing the first
 * as it goes) and a view's whole underlying buffer: a big buffer is copied
 * by hand instead (one memcpy of just its bytes), and the copy is moved.
 * The containers on its way are copied shallowly, so the caller's value is
 * never touched. Throws DataCloneError for what cannot be cloned.
 */
function hold(value, found) {
  const moved = [...found.transfer]
  const fresh = new Set()
  let root = value
  for (const { path, item } of found.big) {
    const buffer = ArrayBuffer.isView(item) ? item.buffer : item
    // A buffer reached twice keeps its identity through structured clone.
    if (found.transfer.has(buffer) || found.uses.get(buffer) > 1) continue
    const copy = copyOf(item)
    moved.push(ArrayBuffer.isView(copy) ? copy.buffer : copy)
    root = replaceAt(root, path, copy, fresh)
  }
  try {
    return structuredClone(root, { transfer: moved })
  } catch (error) {
    throw notCloneable(error.message)
  }
}

/** Just the bytes of a buffer or view, in memory of their own, in the same type. */
function copyOf(item) {
  if (types.isArrayBuffer(item)) return item.slice(0)
  const bytes = item.buffer.slice(item.byteOffset, item.byteOffset + item.byteLength)
  if (item instanceof DataView) return new DataView(bytes)
  // A Buffer becomes a Uint8Array here as it would in structured clone; its path is in `buffers`.
  const Type = Buffer.isBuffer(item) ? Uint8Array : item.constructor
  return new Type(bytes)
}

/** `root` with `replacement` at `path`; the containers on the way are fresh shallow copies. */
function replaceAt(root, path, replacement, fresh) {
  if (path.length === 0) return replacement
  const top = fresh.has(root) ? root : shallowCopy(root, fresh)
  let parent = top
  for (const key of path.slice(0, -1)) {
    let child = parent[key]
    if (!fresh.has(child)) {
      child = shallowCopy(child, fresh)
      parent[key] = child
    }
    parent = child
  }
  parent[path[path.length - 1]] = replacement
  return top
}

function shallowCopy(container, fresh) {
  // (slice keeps an array's holes, as structured clone does.)
  const copy = Array.isArray(container) ? container.slice() : { ...container }
  fresh.add(copy)
  return copy
}

/** Every ArrayBuffer and MessagePort in a held value: all of it is ours to move. */
function transferablesOf(held) {
  const out = new Set()
  walkTransferables(held, out, new Set())
  return [...out]
}

function walkTransferables(value, out, seen) {
  if (value === null || typeof value !== 'object' || seen.has(value)) return
  seen.add(value)
  if (isTransferable(value)) out.add(value)
  else if (ArrayBuffer.isView(value)) {
    if (!types.isSharedArrayBuffer(value.buffer)) out.add(value.buffer)
  } else if (types.isMap(value)) {
    for (const [key, member] of MAP_ENTRIES.call(value)) {
      walkTransferables(key, out, seen)
      walkTransferables(member, out, seen)
    }
  } else if (types.isSet(value)) {
    for (const member of SET_VALUES.call(value)) walkTransferables(member, out, seen)
  } else if (!types.isSharedArrayBuffer(value)) {
    for (const key of Object.keys(value)) walkTransferables(value[key], out, seen)
  }
}

/**
 * What the side channel carries: `{ id, value, buffers }`. `buffers` are the
 * paths of the Buffers in `value`, which structured clone turns into
 * Uint8Arrays; the receiver makes them Buffers again (no copy).
 */
function restoreBuffers({ value, buffers }) {
  for (const path of buffers) {
    if (path.length === 0) return asBuffer(value)
    let parent = value
    for (const key of path.slice(0, -1)) parent = parent[key]
    const key = path[path.length - 1]
    parent[key] = asBuffer(parent[key])
  }
  return value
}

function asBuffer(view) {
  return Buffer.from(view.buffer, view.byteOffset, view.byteLength)
}

/**
 * One end of a worker's side channel, keyed by task id. Messages may come in
 * any order: those not yet asked for wait in `arrived`.
 */
function createSidecar(port) {
  const arrived = new Map()
  const waiting = new Map()
  /** Keeps a message until it is asked for; a `forget` notice drops one. */
  function stash(message) {
    if (message.forget) arrived.delete(message.id)
    else arrived.set(message.id, message)
  }
  /** Hands a message to the task awaiting it, else keeps it; returns whether one awaited it. */
  function deliver(message) {
    const resolve = message.forget ? undefined : waiting.get(message.id)
    if (resolve === undefined) {
      stash(message)
      return false
    }
    waiting.delete(message.id)
    resolve(message)
    return true
  }
  function accept(message) {
    // Not asked for yet: it announces a task the core gave this worker
    // without ringing it (see NewTask::announce in src/core/task.rs).
    if (!deliver(message) && !message.forget) sidecar.onArrival?.()
  }
  const sidecar = {
    /** Called when a message arrives that nobody awaits (set by the worker runtime). */
    onArrival: null,
    /** Listens: the owner's event loop then delivers messages. */
    listen() {
      port.on('message', accept)
    },
    /** The message of task `id` if it has arrived (dispatched or still queued), else undefined. */
    take(id) {
      // What is read here may be another task's, already awaited (several
      // tasks per worker): it goes to its waiter, not to the stash.
      for (let entry; (entry = receiveMessageOnPort(port)) !== undefined;) deliver(entry.message)
      const message = arrived.get(id)
      arrived.delete(id)
      return message
    },
    /** The message of task `id`, or a promise of it. */
    receive(id) {
      return this.take(id) ?? new Promise((resolve) => waiting.set(id, resolve))
    },
    post(id, value, buffers, transfer) {
      port.postMessage({ id, value, buffers }, transfer)
    },
    /**
     * Tells the other end to drop task `id`'s message if it still holds it:
     * the task settled otherwise (aborted, say) before its worker took it.
     */
    drop(id) {
      port.postMessage({ id, forget: true })
    },
    close() {
      port.close()
    },
  }
  return sidecar
}

module.exports = {
  move,
  survey,
  hold,
  transferablesOf,
  restoreBuffers,
  refuseSharing,
  createSidecar,
  SIDE_MARKER,
}
