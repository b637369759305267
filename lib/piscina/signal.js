'use strict'

/**
 * piscina takes an AbortSignal or an EventEmitter that emits 'abort'
 * (`once`/`off`, as the abort-controller package and older code have); the
 * pool takes AbortSignals. An emitter is followed by a signal of its own,
 * until the task settles: `release()` then removes the listener.
 */
const NOTHING = { signal: undefined, release() {} }

function abortSignalOf(signal) {
  if (signal == null) return NOTHING
  if (typeof signal.addEventListener === 'function') return { signal, release() {} }
  const controller = new AbortController()
  if (signal.aborted) {
    controller.abort(signal.reason)
    return { signal: controller.signal, release() {} }
  }
  const onAbort = () => controller.abort(signal.reason)
  signal.once('abort', onAbort)
  return { signal: controller.signal, release: () => (signal.off ?? signal.removeListener).call(signal, 'abort', onAbort) }
}

module.exports = { abortSignalOf }
