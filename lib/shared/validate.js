'use strict'

/**
 * The rules every option check shares (the pool's, the orchestrator's, the
 * cluster's). Errors follow Node's conventions: TypeError
 * ERR_INVALID_ARG_TYPE for a wrong type, RangeError ERR_OUT_OF_RANGE for a
 * value out of range.
 */
const { invalidType, invalidValue, outOfRange } = require('./errors')

/** The longest finite deadline (about 24.8 days, as for setTimeout); Infinity means none. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1

function isPlainObject(value) {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

/**
 * A misspelt option would otherwise be ignored silently (`filname` leaves a
 * pool with no module, `evry` a job that never runs on its own): a key not
 * in `known` is refused, naming it and the options there are.
 * `what`: how the message names the options ('pool', 'job', ...).
 */
function refuseUnknownKeys(options, known, what) {
  const unknown = Object.keys(options).filter((key) => !known.includes(key))
  if (unknown.length > 0) {
    throw invalidValue(`Unknown ${what} option ${unknown.map((key) => `"${key}"`).join(', ')}; the options are ${known.join(', ')}`)
  }
}

/** How an error message names a value the caller passed. */
function describeType(value) {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  return typeof value === 'object' ? 'an object' : `type ${typeof value} (${String(value)})`
}

function integerInRange(value, name, min, max) {
  if (typeof value !== 'number') throw invalidType(`The "${name}" option must be a number; received ${describeType(value)}`)
  if (!Number.isInteger(value) || value < min || value > max) {
    throw outOfRange(`The "${name}" option must be an integer from ${min} to ${max}; received ${value}`)
  }
  return value
}

function positiveNumber(value, name) {
  if (typeof value !== 'number') throw invalidType(`The "${name}" option must be a number; received ${describeType(value)}`)
  if (!(value > 0 && Number.isFinite(value))) throw outOfRange(`The "${name}" option must be a positive number; received ${value}`)
  return value
}

/** A deadline in ms: 0 to MAX_TIMEOUT_MS, or Infinity. 0 and Infinity mean none. */
function duration(value, name) {
  if (typeof value !== 'number') throw invalidType(`The "${name}" option must be a number; received ${describeType(value)}`)
  if (value === Infinity) return 0
  if (!(value >= 0 && value <= MAX_TIMEOUT_MS)) {
    throw outOfRange(`The "${name}" option must be from 0 to ${MAX_TIMEOUT_MS} ms, or Infinity; received ${value}`)
  }
  return value
}

module.exports = { MAX_TIMEOUT_MS, isPlainObject, refuseUnknownKeys, describeType, integerInRange, positiveNumber, duration }
