'use strict'

/**
 * The pool holds the event loop open exactly while it has a reason to
 * (`wanted()`: tasks pending, workers being stopped...). Letting go waits
 * for a microtask: a caller awaiting tasks one by one submits the next in
 * between, and the pool then keeps its hold instead of releasing and
 * retaking it for every task.
 */
class EventLoopHold {
  #handle
  #wanted
  #referenced = false
  #releaseQueued = false

  constructor(handle, wanted) {
    this.#handle = handle
    this.#wanted = wanted
  }

  /** Takes or lets go of the event loop, as `wanted()` now says. */
  update() {
    if (this.#wanted()) {
      if (!this.#referenced) {
        this.#referenced = true
        this.#handle.setReferenced(true)
      }
    } else if (this.#referenced && !this.#releaseQueued) {
      this.#releaseQueued = true
      queueMicrotask(this.#releaseIfUnwanted)
    }
  }

  /** The handle has been shut down, and holds nothing any more. */
  forget() {
    this.#referenced = false
  }

  #releaseIfUnwanted = () => {
    this.#releaseQueued = false
    if (this.#referenced && !this.#wanted()) {
      this.#referenced = false
      this.#handle.setReferenced(false)
    }
  }
}

module.exports = { EventLoopHold }
