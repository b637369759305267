'use strict'

/**
 * Byte layouts written by Rust (src/binding/wire.rs, src/core/task.rs).
 * Event record (little-endian): kind u8 | a f64 | b f64 | c f64 | d f64 | length u32 | bytes;
 * the kinds are the addon's `EventKind`, and what a, b, c, d mean for each is
 * written there.
 * Delivery to a worker: task id f64 | handler u32 | payload bytes (`Delivery::header`).
 * This file loads no addon: process workers read deliveries too.
 */
const { EVENT_RECORD_HEADER: RECORD_HEADER, DELIVERY_HEADER } = require('./generated/constants')

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

module.exports = { DELIVERY_HEADER, forEachEvent }
