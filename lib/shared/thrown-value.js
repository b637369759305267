'use strict'

/**
 * Carries a thrown value from a worker to the caller. Structured clone keeps
 * an Error's message and stack but drops its own properties (`code`, ...) and
 * turns unknown classes into plain `Error`s; this keeps all of them.
 */
const v8 = require('node:v8')
const { deserializeDetached } = require('./codec')

const BUILT_IN_ERRORS = {
  Error, TypeError, RangeError, SyntaxError, ReferenceError, EvalError, URIError,
}

/**
 * In the worker: the thrown value as bytes. `kind` is 'threw' or 'load' (the
 * module failed to load). Never throws, whatever the value does (throwing
 * getters, uncloneable properties): the task must still settle.
 */
function encodeThrown(value, kind = 'threw') {
  let record
  try {
    record = { kind, error: describe(value, 0) }
    return v8.serialize(record)
  } catch {
    // Some own property is not cloneable, or reading one threw: keep what can be kept.
  }
  try {
    record.error.props = cloneableSubset(record.error.props)
    if (record.error.cause !== undefined) record.error.cause = describe(String(record.error.cause), 0)
    return v8.serialize(record)
  } catch {
    return v8.serialize({ kind, error: describe(new Error(`The task threw a value that cannot be described (${safeString(value)})`), 0) })
  }
}

function safeString(value) {
  try {
    return String(value)
  } catch {
    return typeof value
  }
}

function describe(value, depth) {
  if (!(value instanceof Error) && !(value && typeof value === 'object' && typeof value.message === 'string')) {
    return { isError: false, value: cloneableOrString(value) }
  }
  const props = {}
  for (const key of Object.keys(value)) {
    if (key !== 'cause') props[key] = value[key]
  }
  return {
    isError: true,
    name: value.name,
    message: value.message,
    stack: value.stack,
    props,
    cause: 'cause' in value && depth < 4 ? describe(value.cause, depth + 1) : undefined,
  }
}

function cloneableOrString(value) {
  try {
    v8.serialize(value)
    return value
  } catch {
    return String(value)
  }
}

function cloneableSubset(props) {
  const kept = {}
  for (const [key, value] of Object.entries(props)) {
    try {
      v8.serialize(value)
      kept[key] = value
    } catch { /* dropped: not cloneable */ }
  }
  return kept
}

/** On the main thread: `{ kind, error }` from `buffer[start..end)`, with `error` rebuilt as the value the handler threw. */
function decodeThrown(buffer, start, end) {
  const { kind, error } = deserializeDetached(buffer, start, end)
  return { kind, error: rebuild(error) }
}

function rebuild(described) {
  if (!described.isError) return described.value
  const Class = Object.hasOwn(BUILT_IN_ERRORS, described.name) ? BUILT_IN_ERRORS[described.name] : Error
  const error = described.cause === undefined
    ? new Class(described.message)
    : new Class(described.message, { cause: rebuild(described.cause) })
  if (error.name !== described.name) {
    Object.defineProperty(error, 'name', { value: described.name, writable: true, configurable: true, enumerable: false })
  }
  Object.defineProperty(error, 'stack', { value: described.stack, writable: true, configurable: true, enumerable: false })
  Object.assign(error, described.props)
  return error
}

/**
 * A copy of an error made in this realm. Errors that Node delivers from a
 * worker (its 'error' event) are built in Node's main realm, which is not the
 * caller's under test runners that use realms of their own.
 */
function inThisRealm(value) {
  return rebuild(describe(value, 0))
}

module.exports = { encodeThrown, decodeThrown, inThisRealm }
