'use strict'

/**
 * The promise of every task not yet settled, and the abort signals that
 * watch them. A task settles here exactly once: a second settlement (a
 * late event for a task already aborted, say) finds nothing and is dropped.
 *
 * The promises are made and settled by the addon (src/binding/task_promises.rs):
 * what waits per task is the promise and one entry in a native table, not a
 * resolve closure and its context plus a Map entry on V8's heap. With
 * 100,000 tasks queued, that is ~2.5× less memory per task, and no young
 * generation grown to hold what survives.
 */
const { newTaskPromises, taskPromise, settleTask, pendingTaskIds, submitTextTask } = require('../native')

class PendingTasks {
  /** Task id -> its promise's deferred, in the addon. */
  #table
  #size = 0
  /** Task id -> removes its abort listener, for tasks with a signal. */
  #unwatch = new Map()
  /** Task id -> its signal's reason, between the abort and its settlement. */
  #abortReasons = new Map()
  /** Called with (id, failed) after each settlement. */
  #onSettled

  /**
   * `threadPoolId`: the id of the thread pool whose tasks `submitText`
   * submits (null for other pools, which submit through their handle).
   */
  constructor(onSettled, threadPoolId = null) {
    this.#onSettled = onSettled
    this.#table = newTaskPromises(threadPoolId ?? undefined)
  }

  get size() {
    return this.#size
  }

  /** The promise of a task the core has just accepted. */
  add(id) {
    const promise = taskPromise(this.#table, id)
    this.#size++
    return promise
  }

  /**
   * Submits a task whose payload is JSON text to the thread pool, and
   * returns its promise in the same call into the addon; or the name of a
   * SubmitRefusal (a string), the task refused.
   */
  submitText(handlerId, json, timeoutMs, priority, retries) {
    const promise = submitTextTask(this.#table, handlerId, json, timeoutMs, priority, retries)
    if (typeof promise !== 'string') this.#size++
    return promise
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
    if (!settleTask(this.#table, id, how === 'resolve', value)) return
    this.#size--
    if (this.#unwatch.size > 0) {
      this.#unwatch.get(id)?.()
      this.#unwatch.delete(id)
    }
    this.#onSettled(id, how === 'reject')
  }

  /** Rejects every pending task with `error()`. */
  rejectAll(error) {
    for (const id of pendingTaskIds(this.#table)) this.settle(id, 'reject', error())
  }
}

module.exports = { PendingTasks }
