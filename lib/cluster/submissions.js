'use strict'

/**
 * `execute()` of a cluster pool: every task goes through Redis, to
 * whichever node of the queue takes it, and its promise settles when the
 * task's end comes back (a `ClusterSettled` event, see results.js).
 */
const errors = require('../shared/errors')
const { jsonOf } = require('../shared/codec')
const { resolveExecuteOptions } = require('../pool/options')
const { encodePayload } = require('../pool/payload')
const { clusterOutcome } = require('./results')

class ClusterSubmissions {
  #handle
  #tasks
  #internals
  #config
  #changed

  /**
   * Owned by the pool, which gives it: its core's `handle`, its
   * `PendingTasks`, its `PoolInternals` (lib/pool/internal.js), its resolved
   * `config`, and `changed()`, called when tasks were added or settled.
   */
  constructor({ handle, tasks, internals, config, changed }) {
    this.#handle = handle
    this.#tasks = tasks
    this.#internals = internals
    this.#config = config
    this.#changed = changed
  }

  submit(payload, options) {
    let id
    let signal
    try {
      if (options !== null && typeof options === 'object' && options.filename !== undefined) {
        throw errors.invalidValue('A cluster pool runs each node\'s own module: a per-task "filename" is refused (name an export of it with "name")')
      }
      const resolved = resolveExecuteOptions(options, this.#internals)
      signal = resolved.signal
      if (signal !== null && signal.aborted) throw new errors.AbortError(signal.reason)
      const json = resolved.transferList === undefined ? jsonOf(payload) : null
      const encoded = json ?? encodePayload(payload, resolved.transferList, 'cluster', resolved.retries).encoded
      id = this.#handle.clusterSubmit(resolved.name ?? '', encoded, resolved.timeoutMs, resolved.priority, resolved.retries)
    } catch (error) {
      return Promise.reject(error)
    }
    const promise = this.#tasks.add(id)
    if (signal !== null) {
      // Settled here at once; the queue deletes the task if no node has it
      // yet, else its node stops it.
      this.#tasks.watch(id, signal, () => {
        this.#handle.clusterAbort(id)
        this.#tasks.settle(id, 'reject', new errors.AbortError(signal.reason))
        this.#changed()
      })
    }
    this.#changed()
    return promise
  }

  /** A submitted task has ended (`kind`: a ResultKind). */
  settle(id, kind, deliveries, batch, start, end) {
    let outcome
    try {
      outcome = clusterOutcome(kind, deliveries, batch, start, end, this.#config)
    } catch (error) {
      outcome = { ok: false, value: error }
    }
    this.#tasks.settle(id, outcome.ok ? 'resolve' : 'reject', outcome.value)
  }
}

module.exports = { ClusterSubmissions }
