'use strict'

/**
 * piscina's `taskQueue` option and its two queues, `ArrayTaskQueue` and
 * `FixedQueue`. The pool keeps its own queue (FIFO, which is what both
 * are), so the entry accepts these two, whose order it already has, and
 * refuses another queue rather than ignore the order it stands for. They
 * remain usable as queues (piscina exports them as such), over an array.
 */

/** What piscina checks a `taskQueue` for (src/task_queue/index.ts, isTaskQueue). */
function isTaskQueue(value) {
  return typeof value === 'object' && value !== null && 'size' in value &&
    typeof value.shift === 'function' && typeof value.remove === 'function' && typeof value.push === 'function'
}

class ArrayTaskQueue {
  #tasks = []
  get size() { return this.#tasks.length }
  isEmpty() { return this.#tasks.length === 0 }
  shift() { return this.#tasks.shift() ?? null }
  push(task) { this.#tasks.push(task) }
  remove(task) {
    const index = this.#tasks.indexOf(task)
    if (index !== -1) this.#tasks.splice(index, 1)
  }
}

class FixedQueue extends ArrayTaskQueue {}

/** One of the queues above (the pool's own order), or throws for another queue. */
function isPoolQueue(value) {
  if (!isTaskQueue(value)) return false
  if (value instanceof ArrayTaskQueue) return true
  throw new TypeError('options.taskQueue: a custom TaskQueue is not supported; the pool keeps its own FIFO queue (use "priority" of ParallelProcessor.execute() for another order)')
}

module.exports = { ArrayTaskQueue, FixedQueue, isPoolQueue }
