'use strict'

/**
 * A process worker's side of its two channels to the parent (frames as in
 * src/process/frames.rs, whose constants it reads from the generated
 * constants.js: length u32 | kind u8 | body, little-endian).
 * Descriptor 3 brings tasks; it is read through the event loop, so an idle
 * child sleeps. Descriptor 4 takes results back with plain blocking writes:
 * a result leaves the moment it is ready, in order, and nothing is left
 * half-written if the child then dies. How each runtime reads and writes
 * them is in descriptors.js.
 *
 * It is the task runner's carrier (see ../task-runner.js).
 */
const { readDescriptor, writeSync, writevSync } = require('./descriptors')
const { PROCESS_FRAME } = require('../../shared/generated/constants')

const { tasksFd: TASKS_FD, resultsFd: RESULTS_FD } = PROCESS_FRAME
// Parent to child.
const { init: INIT, handler: HANDLER, task: TASK, abort: ABORT } = PROCESS_FRAME.toChild
// Child to parent.
const { ready: READY, result: RESULT, fatal: FATAL, abortsSeen: ABORTS_SEEN } = PROCESS_FRAME.toParent
const { header: FRAME_HEADER, resultHeader: RESULT_HEADER, noString: NO_STRING } = PROCESS_FRAME
/** Bytes asked of each read of the task channel. */
const READ_SIZE = 64 * 1024
/**
 * A frame this big is read straight into a buffer of its own: the kernel
 * writes it there, and nothing joins or copies it afterwards.
 */
const OWN_BUFFER = 64 * 1024

class ProcessChannel {
  /** Called once with (workerId, settings bytes), before anything else. */
  onInit = null
  /** Called when tasks or abort notices have arrived. */
  onTasks = null
  /** Called when the parent has closed the channel. */
  onClose = null

  #tasks = []
  #aborted = []
  #handlers = []
  #memoryMb = NaN
  /** What each read of a small frame lands in; reused, so what is kept of it is copied. */
  #readBuffer = Buffer.allocUnsafeSlow(READ_SIZE)
  /** The start of a small frame whose end has not arrived. */
  #carry = null
  /** A big frame being read into its own buffer: `{ kind, body, filled }`. */
  #big = null
  /** Results are built here when they fit. */
  #out = Buffer.allocUnsafeSlow(64 * 1024)

  constructor() {
    // The reads land where #nextBuffer says: a big frame's own buffer while
    // one arrives (one copy in all, the kernel's), else #readBuffer.
    readDescriptor(TASKS_FD, {
      nextBuffer: () => this.#nextBuffer(),
      onRead: (length, buffer) => this.#onRead(length, buffer),
      onClose: () => this.onClose?.(),
    })
  }

  take() {
    return this.#tasks.length === 0 ? null : this.#tasks.shift()
  }

  /**
   * Called from this process's event loop: the parent is told, as proof
   * that the loop turns (a worker that shares itself waits for it after an
   * abort before it takes new tasks, or is terminated).
   */
  takeAborted() {
    if (this.#aborted.length === 0) return null
    const aborted = this.#aborted
    this.#aborted = []
    this.#write(this.#frame(ABORTS_SEEN, 0), FRAME_HEADER)
    return aborted
  }

  handler(id) {
    return this.#handlers[id]
  }

  reportMemory(mb) {
    this.#memoryMb = mb
  }

  ready() {
    this.#write(this.#frame(READY, 0), FRAME_HEADER)
  }

  complete(id, ok, bytes) {
    const length = RESULT_HEADER + bytes.length
    if (length <= this.#out.length) {
      const out = this.#result(id, ok, length)
      bytes.copy(out, RESULT_HEADER)
      this.#write(out, length)
    } else {
      // A big result is not copied behind its header: both go in one writev.
      this.#writev([this.#result(id, ok, length, this.#out), bytes])
    }
    return this.take()
  }

  completeText(id, text) {
    const length = RESULT_HEADER + Buffer.byteLength(text)
    const out = this.#result(id, true, length)
    out.write(text, RESULT_HEADER, 'utf8')
    this.#write(out, length)
    return this.take()
  }

  /** The error this child is about to die of; sent before it exits. */
  fatal(bytes) {
    const out = this.#frame(FATAL, bytes.length)
    bytes.copy(out, FRAME_HEADER)
    this.#write(out, FRAME_HEADER + bytes.length)
  }

  /**
   * A result frame of `length` bytes in all, its header written: in `into`
   * (just the header), else in a buffer that the body fits behind.
   */
  #result(id, ok, length, into) {
    const out = into === undefined ? this.#frame(RESULT, length - FRAME_HEADER) : into
    out.writeUInt32LE(length - 4, 0)
    out[4] = RESULT
    out.writeDoubleLE(id, FRAME_HEADER)
    out[FRAME_HEADER + 8] = ok ? 1 : 0
    out.writeDoubleLE(this.#memoryMb, FRAME_HEADER + 9)
    // Reported once: NaN tells the parent there is no new measure.
    this.#memoryMb = NaN
    return into === undefined ? out : out.subarray(0, RESULT_HEADER)
  }

  /** A buffer that starts with the frame's header; the scratch buffer when the frame fits. */
  #frame(kind, bodyLength) {
    const length = FRAME_HEADER + bodyLength
    const out = length <= this.#out.length ? this.#out : Buffer.allocUnsafe(length)
    out.writeUInt32LE(length - 4, 0)
    out[4] = kind
    return out
  }

  #write(buffer, length) {
    let written = 0
    while (written < length) written += writeSync(RESULTS_FD, buffer, written, length - written)
  }

  #writev(buffers) {
    let written = writevSync(RESULTS_FD, buffers)
    // A blocking descriptor takes it all at once, unless a signal cut it short.
    for (const buffer of buffers) {
      if (written >= buffer.length) {
        written -= buffer.length
      } else {
        this.#write(buffer.subarray(written), buffer.length - written)
        written = 0
      }
    }
  }

  #nextBuffer() {
    return this.#big === null ? this.#readBuffer : this.#big.body.subarray(this.#big.filled)
  }

  #onRead(length, buffer) {
    const big = this.#big
    if (big !== null) {
      big.filled += length
      if (big.filled < big.body.length) return
      this.#big = null
      if (this.#dispatch(big.kind, big.body)) this.onTasks()
      return
    }
    // Copied out of the read buffer, which the next read reuses.
    let bytes = Buffer.from(buffer.subarray(0, length))
    if (this.#carry !== null) {
      bytes = Buffer.concat([this.#carry, bytes])
      this.#carry = null
    }
    let at = 0
    let work = false
    while (bytes.length - at >= FRAME_HEADER) {
      const end = at + 4 + bytes.readUInt32LE(at)
      if (end > bytes.length) break
      work = this.#dispatch(bytes[at + 4], bytes.subarray(at + FRAME_HEADER, end)) || work
      at = end
    }
    if (at < bytes.length) this.#keep(bytes.subarray(at))
    if (work) this.onTasks()
  }

  /** The start of a frame: a big one's body gets a buffer of its own, which the next reads fill. */
  #keep(rest) {
    const bodyLength = rest.length >= FRAME_HEADER ? rest.readUInt32LE(0) - 1 : 0
    if (bodyLength < OWN_BUFFER) {
      this.#carry = rest
      return
    }
    const body = Buffer.allocUnsafeSlow(bodyLength)
    const filled = rest.copy(body, 0, FRAME_HEADER)
    this.#big = { kind: rest[4], body, filled }
  }

  /** Takes one frame; returns whether tasks or abort notices came. */
  #dispatch(kind, body) {
    switch (kind) {
      case TASK: this.#tasks.push(body); return true
      case ABORT: this.#aborted.push(body.readDoubleLE(0)); return true
      case HANDLER: this.#addHandler(body); return false
      case INIT: this.onInit(body.readUInt32LE(0), body.subarray(4)); return false
      default: throw new Error(`parallel-processor: unknown frame kind ${kind} from the parent`)
    }
  }

  #addHandler(body) {
    const id = body.readUInt32LE(0)
    const [filename, afterFilename] = readString(body, 4)
    const [name] = readString(body, afterFilename)
    this.#handlers[id] = { filename, name }
  }
}

/** A string as the parent writes it: length u32 (NO_STRING for null) | UTF-8 bytes. Returns [value, next offset]. */
function readString(bytes, at) {
  const length = bytes.readUInt32LE(at)
  if (length === NO_STRING) return [null, at + 4]
  return [bytes.toString('utf8', at + 4, at + 4 + length), at + 4 + length]
}

module.exports = { ProcessChannel }
