'use strict'

/**
 * Thread workers' side channel, seen from the pool: payloads that V8 must
 * move or share (or big buffers) wait here until the core assigns their
 * task to a worker, then go to that worker's port; results that came back
 * that way are taken from it. See lib/shared/transfer.js.
 */
const { transferablesOf, restoreBuffers } = require('../shared/transfer')

class SidePayloads {
  /** Task id -> { held, buffers, retries } until it is posted for its last attempt. */
  #waiting = new Map()
  /** Task id -> the worker its payload was posted to, until the task settles. */
  #postedTo = new Map()
  /** Worker id -> its end of the side channel, or undefined once it has gone. */
  #sidecarOf

  constructor(sidecarOf) {
    this.#sidecarOf = sidecarOf
  }

  /** Keeps the payload of a task the core has accepted. */
  hold(id, side) {
    this.#waiting.set(id, side)
  }

  /** The core gave the task to `workerId`, for its `attempt` (from 1): its payload goes there. */
  post(id, workerId, attempt) {
    const side = this.#waiting.get(id)
    const sidecar = this.#sidecarOf(workerId)
    if (side === undefined || sidecar === undefined) return
    // Moved on the last attempt it may have; a retry needs a copy to send again.
    const last = attempt > side.retries
    sidecar.post(id, side.held, side.buffers, last ? transferablesOf(side.held) : [])
    this.#postedTo.set(id, workerId)
    if (last) this.#waiting.delete(id)
  }

  /**
   * The task has settled. If it did not return, its worker may never take
   * its payload (aborted before it was picked up): the worker is told to
   * drop it rather than hold it until it exits.
   */
  settled(id, failed) {
    if (this.#waiting.size > 0) this.#waiting.delete(id)
    if (this.#postedTo.size === 0) return
    const workerId = this.#postedTo.get(id)
    if (workerId === undefined) return
    this.#postedTo.delete(id)
    if (failed) this.#sidecarOf(workerId)?.drop(id)
  }

  /**
   * A result that came by the side channel (its bytes: a marker, then the
   * worker's id, u32 LE): the worker posted it before telling the core, so
   * it is in the worker's port already.
   */
  result(id, bytes, start) {
    const workerId = bytes.readUInt32LE(start + 1)
    const message = this.#sidecarOf(workerId)?.take(id)
    if (message === undefined) return Promise.reject(new Error(`The result of task ${id} did not arrive from worker ${workerId}`))
    return restoreBuffers(message)
  }
}

module.exports = { SidePayloads }
