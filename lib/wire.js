'use strict'

/**
 * Byte layouts shared with the Rust binding (src/binding/wire.rs).
 * Event record (little-endian): kind u8 | a f64 | b f64 | c f64 | d f64 | length u32 | bytes.
 * Delivery to a worker: task id f64 | handler u32 | payload bytes.
 */
const EVENT = Object.freeze({
  RETURNED: 1,
  THREW: 2,
  TIMED_OUT: 3,
  CRASHED: 4,
  START_FAILED: 5,
  DISPOSED: 6,
  QUEUE_TIMED_OUT: 7,
  ABORTED: 8,
  SPAWN_WORKER: 10,
  TERMINATE_WORKER: 11,
  QUEUE_DRAINED: 12,
  CLOSED: 13,
  WORKER_RETIRING: 14,
  BREAKER_OPENED: 15,
  BREAKER_CLOSED: 16,
  WORKER_EXITED: 17,
})

/** WORKER_EXITED's reason codes (src/binding/wire.rs, `exit_reason_code`). */
const EXIT_REASONS = Object.freeze(['startFailure', 'crash', 'timeout', 'abort', 'retire', 'idle', 'dispose'])

const RECORD_HEADER = 1 + 8 * 4 + 4
const DELIVERY_HEADER = 8 + 4

/** Calls `visit(kind, a, b, c, d, buffer, start, end)` for each record in `buffer[0..length)`; its bytes are `buffer[start..end)`. */
function forEachEvent(buffer, length, visit) {
  let at = 0
  while (at < length) {
    const kind = buffer[at]
    const a = buffer.readDoubleLE(at + 1)
    const b = buffer.readDoubleLE(at + 9)
    const c = buffer.readDoubleLE(at + 17)
    const d = buffer.readDoubleLE(at + 25)
    const length = buffer.readUInt32LE(at + 33)
    const start = at + RECORD_HEADER
    at = start + length
    visit(kind, a, b, c, d, buffer, start, at)
  }
}

module.exports = { EVENT, EXIT_REASONS, DELIVERY_HEADER, forEachEvent }
