'use strict'

/**
 * What piscina hands out for a worker (`pool.threads`, the 'workerCreate'
 * and 'workerDestroy' events): piscina gives Worker objects, or v5's
 * PiscinaWorker. The pool keeps its workers to itself, so these are views
 * of its `stats()`: the same object for the same worker while it lives.
 */
class PoolThread {
  #view
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
  // one, always one with a task): asking a Worker to do otherwise changes nothing.
  ref() { return this }
  unref() { return this }
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

  forget(id) {
    const thread = this.of(id)
    this.#byId.delete(id)
    return thread
  }
}

module.exports = { Threads }
