'use strict'

/**
 * The promise of every task not yet settled, and the abort signals that
 * watch them. A task settles here exactly once: a second settlement (a
 * late event for a task already aborted, say) finds nothing and is dropped.
 */
class PendingTasks {
  /**
   * Task id -> the resolve function of its promise. Only `resolve` is kept
   * (a rejection resolves with a rejected promise): with 100,000 tasks
   * queued, every byte per task counts.
   */
  #resolves = new Map()
  /** Task id -> removes its abort listener, for tasks with a signal. */
  #unwatch = new Map()
  /** Task id -> its signal's reason, between the abort and its settlement. */
  #abortReasons = new Map()
  /** Called with (id, failed) after each settlement. */
  #onSettled

  constructor(onSettled) {
    this.#onSettled = onSettled
  }

  get size() {
    return this.#resolves.size
  }

  /** The promise of a task the core has just accepted. */
  add(id) {
    return new Promise((resolve) => this.#resolves.set(id, resolve))
  }

  /** Calls `onAbort` when `signal` aborts; forgets the signal when the task settles. */
  watch(id, signal, onAbort) {
    signal.addEventListener('abort', onAbort, { once: true })
    this.#unwatch.set(id, () => signal.removeEventListener('abort', onAbort))
  }

  /** Remembers why a task was aborted, for the AbortError it settles with. */
  aborted(id, reason) {
    this.#abortReasons.set(id, reason)
  }

  /** The reason `aborted()` remembered, once. */
  takeAbortReason(id) {
    const reason = this.#abortReasons.get(id)
    this.#abortReasons.delete(id)
    return reason
  }

  /** Settles a pending task (`how`: 'resolve' or 'reject'); does nothing for one already settled. */
  settle(id, how, value) {
    const resolve = this.#resolves.get(id)
    if (resolve === undefined) return
    this.#resolves.delete(id)
    if (this.#unwatch.size > 0) {
      this.#unwatch.get(id)?.()
      this.#unwatch.delete(id)
    }
    // Adopting a rejected promise rejects; it is handled at once, so no
    // unhandled-rejection warning unless the caller leaves it unhandled.
    resolve(how === 'resolve' ? value : Promise.reject(value))
    this.#onSettled(id, how === 'reject')
  }

  /** Rejects every pending task with `error()`. */
  rejectAll(error) {
    for (const id of [...this.#resolves.keys()]) this.settle(id, 'reject', error())
  }
}

module.exports = { PendingTasks }
