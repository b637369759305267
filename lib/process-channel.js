'use strict'

/**
 * A process worker's side of its two channels to the parent (frames as in
 * src/process/frames.rs: length u32 | kind u8 | body, little-endian).
 * Descriptor 3 brings tasks; it is read through the event loop, so an idle
 * child sleeps. Descriptor 4 takes results back with plain blocking writes:
 * a result leaves the moment it is ready, in order, and nothing is left
 * half-written if the child then dies.
 *
 * It is the task runner's carrier (see task-runner.js).
 */
const fs = require('node:fs')
const net = require('node:net')

const TASKS_FD = 3
const RESULTS_FD = 4

// Parent to child.
const INIT = 1
const HANDLER = 2
const TASK = 3
const ABORT = 4
// Child to parent.
const READY = 1
const RESULT = 2
const FATAL = 3

const FRAME_HEADER = 5
const RESULT_HEADER = FRAME_HEADER + 8 + 1 + 8
const NO_STRING = 0xffffffff

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
  /** The reads so far of a frame still arriving, their total length, and the length it needs. */
  #partial = null
  #partialLength = 0
  #partialNeeded = 0
  /** Results are built here when they fit. */
  #out = Buffer.allocUnsafeSlow(64 * 1024)

  constructor() {
    const input = new net.Socket({ fd: TASKS_FD, readable: true, writable: false })
    input.on('data', (chunk) => this.#receive(chunk))
    input.on('end', () => this.onClose?.())
    input.on('error', () => this.onClose?.())
  }

  take() {
    return this.#tasks.length === 0 ? null : this.#tasks.shift()
  }

  takeAborted() {
    if (this.#aborted.length === 0) return null
    const aborted = this.#aborted
    this.#aborted = []
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
    while (written < length) written += fs.writeSync(RESULTS_FD, buffer, written, length - written)
  }

  #writev(buffers) {
    let written = fs.writevSync(RESULTS_FD, buffers)
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

  #receive(chunk) {
    let bytes = chunk
    if (this.#partial !== null) {
      // A frame spread over several reads is joined once, when it is whole:
      // joining at every read would copy a big payload over and over.
      this.#partial.push(chunk)
      this.#partialLength += chunk.length
      if (this.#partialLength < this.#partialNeeded) return
      bytes = Buffer.concat(this.#partial, this.#partialLength)
      this.#partial = null
    }
    let at = 0
    let work = false
    while (bytes.length - at >= FRAME_HEADER) {
      const end = at + 4 + bytes.readUInt32LE(at)
      if (end > bytes.length) break
      const kind = bytes[at + 4]
      const body = bytes.subarray(at + FRAME_HEADER, end)
      at = end
      switch (kind) {
        case TASK: this.#tasks.push(body); work = true; break
        case ABORT: this.#aborted.push(body.readDoubleLE(0)); work = true; break
        case HANDLER: this.#addHandler(body); break
        case INIT: this.onInit(body.readUInt32LE(0), body.subarray(4)); break
        default: throw new Error(`parallel-processor: unknown frame kind ${kind} from the parent`)
      }
    }
    if (at < bytes.length) {
      const rest = bytes.subarray(at)
      this.#partial = [rest]
      this.#partialLength = rest.length
      // Until the length has arrived, any byte may complete it.
      this.#partialNeeded = rest.length >= 4 ? 4 + rest.readUInt32LE(0) : rest.length + 1
    }
    if (work) this.onTasks()
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
