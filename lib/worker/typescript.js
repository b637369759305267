'use strict'

/**
 * TypeScript worker modules (.ts, .mts, .cts). Node runs them itself from
 * 22.6 (type stripping), or through a loader given in `execArgv`
 * (`--import tsx`), and a worker loads one wherever `node <file>` would with
 * the same flags. Where neither is in effect, Node's own error
 * ("Unexpected token ':'", "Unknown file extension") is true but leaves the
 * user guessing: `explainUnrunnable` adds the cause and the way out.
 */
const path = require('node:path')
const { pathToFileURL } = require('node:url')

const TYPESCRIPT = /\.[cm]?ts$/

function isTypeScript(filename) {
  return TYPESCRIPT.test(filename)
}

/** Whether this runtime strips types itself (`process.features.typescript`: Node 22.10 and later). */
function stripsTypes() {
  return Boolean(process.features.typescript)
}

/**
 * Whether `error`, thrown by `require(filename)`, says the file could not be
 * parsed, before any of its code ran. A SyntaxError thrown by the module's
 * own code as it runs (`JSON.parse`...) has a frame in the file: loading it
 * again elsewhere would run that code twice.
 */
function failedToParse(error, filename) {
  if (error === null || typeof error !== 'object' || error.name !== 'SyntaxError') return false
  const url = pathToFileURL(filename).href
  const frames = String(error.stack).split('\n').filter((line) => /^\s+at /.test(line))
  return !frames.some((frame) => frame.includes(`${filename}:`) || frame.includes(`${url}:`))
}

/**
 * `error` (Node's ES module loader did not know the file's extension: no
 * type stripping here, and no loader's hook took the file) with why and the
 * way out; `parseError`, require()'s failure, is the more telling of the two
 * when there is one: it points at the first type annotation. Given back as
 * it is where a loader's require hook is in effect for the extension, or
 * where the runtime strips types itself: then the error is the file's own.
 */
function explainUnrunnable(filename, error, parseError) {
  if (error === null || typeof error !== 'object' || error.code !== 'ERR_UNKNOWN_FILE_EXTENSION') return error
  const original = parseError ?? error
  if (stripsTypes() || require.extensions[path.extname(filename)] !== undefined) return original
  const [major, minor] = process.versions.node.split('.').map(Number)
  const why = major > 22 || (major === 22 && minor >= 6)
    ? 'runs it only with type stripping on: add --experimental-strip-types to execArgv'
    : 'cannot run by itself: type stripping needs Node 22.6 or later'
  const message = `${original.message}. ${filename} is TypeScript, which this Node (${process.version}) ${why}; ` +
    "or give the workers a loader through execArgv, e.g. execArgv: ['--import', 'tsx'] (with tsx installed)"
  return new Error(message, { cause: original })
}

module.exports = { isTypeScript, stripsTypes, failedToParse, explainUnrunnable }
