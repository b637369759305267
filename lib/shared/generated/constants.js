'use strict'

// Generated from the Rust sources by src/binding/generated_js.rs: do not
// edit. `UPDATE_GENERATED=1 cargo test --lib generated_js` rewrites it;
// `cargo test` fails while it is stale. It loads nothing: process workers
// read it too.

/** An event record's fixed part: kind u8 | a, b, c, d f64 | length u32 (src/binding/wire.rs). */
const EVENT_RECORD_HEADER = 37
/** A task's header as a worker gets it: task id f64 | handler u32 (`Delivery::header`). */
const DELIVERY_HEADER = 12
/**
 * The first byte of a payload that is neither JSON text nor v8's format:
 * `side`, it travels on the worker's side channel (a result sent that way
 * starts with it too, then the worker's id u32); `cluster`, it came from a
 * cluster's queue: the delivery count u32, then the submitter's bytes.
 */
const PAYLOAD_MARKER = Object.freeze({ side: 1, cluster: 2 })
/** A process worker's frames (src/process/frames.rs): length u32 | kind u8 | body. */
const PROCESS_FRAME = Object.freeze({
  header: 5,
  /** A result frame's header and the fixed part of its body: task id f64 | ok u8 | memory f64. */
  resultHeader: 22,
  /** The length of an absent string. */
  noString: 4294967295,
  toChild: Object.freeze({ init: 1, handler: 2, task: 3, abort: 4 }),
  toParent: Object.freeze({ ready: 1, result: 2, fatal: 3, abortsSeen: 4 }),
  /** The descriptors the child finds its channels at. */
  tasksFd: 3,
  resultsFd: 4,
  lifelineFd: 5,
})
/** How a cluster task ended, besides a node's outcome (`ResultKind` in src/cluster/node/mod.rs). */
const CLUSTER_RESULT = Object.freeze({ done: 0, deliveryLimit: 1, lost: 2, invalid: 3, unavailable: 4, queueFull: 5 })

module.exports = { EVENT_RECORD_HEADER, DELIVERY_HEADER, PAYLOAD_MARKER, PROCESS_FRAME, CLUSTER_RESULT }
