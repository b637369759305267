'use strict'

const { MessageChannel } = require('node:worker_threads')

/**
 * What piscina hands out for a worker (`pool.threads`, the 'workerCreate'
 * and 'workerDestroy' events): piscina gives Worker objects, or v5's
 * PiscinaWorker. The pool keeps its workers to itself, so these are views
 * of its `stats()`: the same object for the same worker while it lives.
 */
class PoolThread {
  #view
  /** While ref()'d: a port that holds the event loop open (with no wake-up) until unref() or the worker's end. */
  #hold = null
  constructor(id, view) {
    this.id = id
    this.#view = view
  }

  get threadId() { return this.#view(this.id)?.threadId }
  /** v5: tasks it runs now. */
  get currentUsage() { return this.#view(this.id)?.running ?? 0 }
  get terminating() { return this.#view(this.id)?.state === 'retiring' }
  get destroyed() { return this.#view(this.id) === undefined }
  // The pool decides whether a worker holds the event loop (never an idle
  // one, always one with a task). A Worker's ref() holds it besides, until
  // unref() or its exit: so does this view's.
  ref() {
    if (this.#hold === null && !this.destroyed) {
      this.#hold = new MessageChannel().port1
      this.#hold.ref()
    }
    return this
  }

  unref() {
    this.#hold?.close()
    this.#hold = null
    return this
  }
}

class Threads {
  #pool
  #byId = new Map()

  constructor(pool) {
    this.#pool = pool
  }

  /** The live workers, oldest first. */
  list() {
    const live = this.#pool.stats().workers.filter((worker) => worker.state !== 'exited')
    return live.map((worker) => this.of(worker.id))
  }

  of(id) {
    let thread = this.#byId.get(id)
    if (thread === undefined) {
      thread = new PoolThread(id, (workerId) => this.#pool.stats().workers.find((w) => w.id === workerId && w.state !== 'exited'))
      this.#byId.set(id, thread)
    }
    return thread
  }

  /** The worker has exited: its view, which holds the event loop no more. */
  forget(id) {
    const thread = this.of(id)
    this.#byId.delete(id)
    thread.unref()
    return thread
  }
}

module.exports = { Threads }
