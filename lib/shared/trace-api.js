'use strict'

/**
 * `@opentelemetry/api`, an optional peer dependency, loaded at most once per
 * isolate and only when something asks for it: a pool built without
 * `telemetry: false` on the main side, a task that carries a trace context in
 * a worker. Null when it is not installed (or fails to load): tracing is then
 * off, and nothing else is tried. Runs on both sides and loads nothing else.
 */

// By a name held in a variable: the layers rule (lint/may-require.js) refuses
// packages in lib/, since the package's own name would load the addon; this
// one loads no addon, is optional, and a failure to load it is kept as null.
const API_PACKAGE = '@opentelemetry/api'

/** undefined: not tried yet; null: absent. */
let api

function traceApi() {
  if (api === undefined) {
    try {
      api = require(API_PACKAGE)
    } catch {
      api = null
    }
  }
  return api
}

/**
 * A failure on a span, as OpenTelemetry's conventions have it: status ERROR
 * with the message, `error.type` (the error's code, else its name), and the
 * exception as an event.
 */
function recordError(api, span, error) {
  const isObject = error !== null && typeof error === 'object'
  const code = isObject ? error.code : undefined
  const type = typeof code === 'string' ? code : isObject && typeof error.name === 'string' ? error.name : '_OTHER'
  const message = isObject && typeof error.message === 'string' ? error.message : String(error)
  span.setAttribute('error.type', type)
  span.recordException(isObject ? error : message)
  span.setStatus({ code: api.SpanStatusCode.ERROR, message })
}

module.exports = { traceApi, recordError }
