'use strict'

/** Loads worker modules (CommonJS or ESM) and picks the handler export. */
const { pathToFileURL } = require('node:url')
const { argumentError } = require('./errors')

const modules = new Map()
/** Failed loads per file: a retry needs a new URL, since Node caches the failure by URL. */
const failures = new Map()

/** The module's namespace; one load per file per worker. */
function loadModule(filename) {
  let loading = modules.get(filename)
  if (loading === undefined) {
    // import() loads both kinds; a CommonJS module's exports are its `default`.
    const url = pathToFileURL(filename)
    const failed = failures.get(filename)
    if (failed) url.search = `?retry=${failed}`
    loading = import(url.href)
    modules.set(filename, loading)
  }
  return loading
}

/** After a failed load: the next `loadModule` tries the file again. */
function forgetModule(filename) {
  modules.delete(filename)
  failures.set(filename, (failures.get(filename) ?? 0) + 1)
}

/** The handler function, or throws TypeError ERR_HANDLER_NOT_FOUND. */
function pickHandler(namespace, name, filename) {
  const fallback = namespace.default
  let handler
  if (name === null || name === undefined) {
    handler = fallback
    // A transpiled ES module loaded as CommonJS nests its default export once more.
    if (handler !== null && typeof handler === 'object' && typeof handler.default === 'function') handler = handler.default
  } else {
    handler = namespace[name]
    if (handler === undefined && fallback !== null && (typeof fallback === 'object' || typeof fallback === 'function')) {
      handler = fallback[name]
    }
  }
  if (typeof handler !== 'function') {
    const what = name === null || name === undefined ? 'a default export' : `an export named "${name}"`
    throw argumentError(TypeError, 'ERR_HANDLER_NOT_FOUND', `${filename} has no ${what} that is a function`)
  }
  return handler
}

module.exports = { loadModule, forgetModule, pickHandler }
