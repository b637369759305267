'use strict'

/**
 * piscina takes an AbortSignal or an EventEmitter that emits 'abort'
 * (`once`/`off`, as the abort-controller package and older code have); the
 * pool takes AbortSignals. An emitter is followed by a signal of its own.
 */
function abortSignalOf(signal) {
  if (signal == null) return undefined
  if (typeof signal.addEventListener === 'function') return signal
  const controller = new AbortController()
  if (signal.aborted) controller.abort(signal.reason)
  else if (typeof signal.once === 'function') signal.once('abort', () => controller.abort(signal.reason))
  return controller.signal
}

module.exports = { abortSignalOf }
