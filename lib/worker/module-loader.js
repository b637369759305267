'use strict'

/** Loads worker modules (CommonJS or ESM) and picks the handler export. */
const { pathToFileURL } = require('node:url')
const { isModuleNamespaceObject } = require('node:util').types
const { argumentError } = require('../shared/errors')
const { exportOfJob, unwrappingJob } = require('../shared/job-handler')
const { exportOfTraced } = require('../shared/traced-handler')
const { tracingHandler } = require('./tracing')
const { isTypeScript, stripsTypes, failedToParse, explainUnrunnable } = require('./typescript')

/** ES modules whatever their package says, as `node <file>` takes them: import() them. */
const ES_MODULE = /\.m[jt]s$/

const modules = new Map()
/** Failed loads per file: a retry needs a new URL, since Node caches the failure by URL. */
const failures = new Map()

/**
 * The module's exports (a promise of them); one load per file per worker.
 * Exports that are promises have been awaited (see settleExports), so a
 * module that rejects there has failed to load.
 */
function loadModule(filename) {
  let loading = modules.get(filename)
  if (loading === undefined) {
    loading = (ES_MODULE.test(filename) ? importOrExplain(filename) : requireOrImport(filename)).then(settleExports)
    modules.set(filename, loading)
  }
  return loading
}

/**
 * require() first: for CommonJS it is several ms faster than import(), which
 * starts the ESM loader, and worker start-up is on the critical path of a
 * pool's first task. An ES module in a .js file falls through to import()
 * where require() refuses it (older Node, or top-level await); where it takes
 * it, it gives the module's namespace, as import() would.
 */
function requireOrImport(filename) {
  let exports
  try {
    exports = require(filename)
  } catch (error) {
    if (error && (error.code === 'ERR_REQUIRE_ESM' || error.code === 'ERR_REQUIRE_ASYNC_MODULE')) return importOrExplain(filename)
    // A loader's ES module hooks (`--import`, `--loader` in execArgv) apply
    // to import() and not to require(), as `node <file>` would take them: a
    // TypeScript module that require() could not parse, on a Node that does
    // not strip types, gets its chance there.
    if (isTypeScript(filename) && !stripsTypes() && failedToParse(error, filename)) return importOrExplain(filename, error)
    return Promise.reject(error)
  }
  if (!isModuleNamespaceObject(exports)) return Promise.resolve({ default: exports })
  // An ES module loaded once already, whose exports failed: require() would
  // give the same instance again, a new URL evaluates it afresh.
  return failures.has(filename) ? importModule(filename) : Promise.resolve(exports)
}

/**
 * A worker module may export promises of its handlers, to initialize
 * asynchronously first: each export that is a promise (a thenable) is awaited
 * once, here, and stands for what it resolves to. Those are the default export
 * (`module.exports`, `export default`) and the named ones: an ES module's, or
 * the properties of a CommonJS `module.exports` that is not itself a promise
 * (`exports.default` of a transpiled ES module among them). Without any, the
 * namespace is returned as it is.
 */
async function settleExports(namespace) {
  if (isModuleNamespaceObject(namespace)) {
    const pending = promisedProperties(namespace)
    return pending.length === 0 ? namespace : layer(namespace, await settle(pending))
  }
  const exports = namespace.default
  if (isThenable(exports)) return { default: await exports }
  const pending = promisedProperties(exports)
  if (pending.length === 0) return namespace
  const settled = await settle(pending)
  // pickHandler() looks a name up in the namespace first, then on module.exports.
  const result = layer(namespace, settled.filter(([key]) => key !== 'default'))
  const nestedDefault = settled.find(([key]) => key === 'default')
  if (nestedDefault !== undefined && typeof exports === 'object') {
    Object.defineProperty(result, 'default', { value: layer(exports, [nestedDefault]), enumerable: true })
  }
  return result
}

/** `[key, promise]` for each own enumerable data property that is a thenable. */
function promisedProperties(object) {
  if (object === null || (typeof object !== 'object' && typeof object !== 'function')) return []
  const pending = []
  for (const key of ownKeys(object)) {
    const value = dataValue(object, key)
    if (isThenable(value)) pending.push([key, value])
  }
  return pending
}

/** Awaits them all at once (the first rejection is the failure, and none goes unhandled). */
async function settle(pending) {
  const values = await Promise.all(pending.map(([, promise]) => promise))
  return pending.map(([key], i) => [key, values[i]])
}

/** An object over `base` with `entries` as its own properties: `base`'s other properties stay live. */
function layer(base, entries) {
  const object = Object.create(base)
  for (const [key, value] of entries) Object.defineProperty(object, key, { value, enumerable: true })
  return object
}

function ownKeys(object) {
  try {
    return Object.keys(object)
  } catch {
    return [] // a Proxy that refuses: its properties are read when a task names one
  }
}

/** A data property's value; never runs a getter, never throws. */
function dataValue(object, key) {
  try {
    const descriptor = Object.getOwnPropertyDescriptor(object, key)
    return descriptor !== undefined && 'value' in descriptor ? descriptor.value : undefined
  } catch {
    return undefined // an ES binding not yet initialized (an import cycle)
  }
}

function isThenable(value) {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return false
  try {
    return typeof value.then === 'function'
  } catch {
    return false // a throwing `then` getter: not a promise to wait for
  }
}

/**
 * import(); a TypeScript module that nothing here can run rejects with why
 * (see explainUnrunnable), `parseError` being require()'s failure, if any.
 */
function importOrExplain(filename, parseError) {
  const imported = importModule(filename)
  if (!isTypeScript(filename)) return imported
  return imported.catch((error) => Promise.reject(explainUnrunnable(filename, error, parseError)))
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
  // A CommonJS module that loaded but whose promised exports rejected is
  // cached by require(); one that threw is not (Node drops it).
  try {
    delete require.cache[require.resolve(filename)]
  } catch {
    // gone from disk: the next load fails again, with its own error
  }
}

/**
 * The handler function, or throws TypeError ERR_HANDLER_NOT_FOUND. A job's
 * export name (see lib/shared/job-handler.js) gives its export wrapped to set `ctx.job`;
 * a traced one (lib/shared/traced-handler.js), its export wrapped in a span.
 */
function pickHandler(namespace, name, filename) {
  const tracedExport = exportOfTraced(name)
  if (tracedExport !== undefined) return tracingHandler(pickHandler(namespace, tracedExport, filename), tracedExport, filename)
  const jobExport = exportOfJob(name)
  if (jobExport !== undefined) return unwrappingJob(pickHandler(namespace, jobExport, filename))
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
    const what = name === null || name === undefined ? 'default export' : `export named "${name}"`
    throw argumentError(TypeError, 'ERR_HANDLER_NOT_FOUND', `${filename} has no ${what} that is a function`)
  }
  return handler
}

module.exports = { loadModule, forgetModule, pickHandler }
