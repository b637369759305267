'use strict'

/** Loads worker modules (CommonJS or ESM) and picks the handler export. */
const { pathToFileURL } = require('node:url')
const { argumentError } = require('./errors')

const modules = new Map()
/** Failed loads per file: a retry needs a new URL, since Node caches the failure by URL. */
const failures = new Map()

/** The module's namespace (a promise of it); one load per file per worker. */
function loadModule(filename) {
  let loading = modules.get(filename)
  if (loading === undefined) {
    loading = filename.endsWith('.mjs') ? importModule(filename) : requireOrImport(filename)
    modules.set(filename, loading)
  }
  return loading
}

/**
 * require() first: for CommonJS it is several ms faster than import(), which
 * starts the ESM loader, and worker start-up is on the critical path of a
 * pool's first task. An ES module in a .js file falls through to import().
 */
function requireOrImport(filename) {
  try {
    return Promise.resolve({ default: require(filename) })
  } catch (error) {
    if (error && error.code === 'ERR_REQUIRE_ESM') return importModule(filename)
    return Promise.reject(error)
  }
}

function importModule(filename) {
  const url = pathToFileURL(filename)
  const failed = failures.get(filename)
  if (failed) url.search = `?retry=${failed}`
  return import(url.href)
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
