'use strict'

/**
 * Validation of the `cluster` option (see docs/cluster.md).
 * Unknown keys are refused: a typo such as `heartbeatMS` would otherwise
 * silently keep the default.
 */
const { X509Certificate } = require('node:crypto')
const { invalidType, invalidValue, outOfRange } = require('../shared/errors')
const { isPlainObject, describeType, integerInRange, MAX_TIMEOUT_MS } = require('../shared/validate')

/** The one home of the cluster's defaults: the addon is always given every value. */
const DEFAULTS = Object.freeze({
  visibilityTimeoutMs: 30000,
  heartbeatMs: 1000,
  maxDeliveries: 3,
  deadLetterLimit: 10000,
  resultTtlMs: 3600000,
  connectTimeoutMs: 5000,
})
const KEYS = ['redis', 'queue', 'ca', ...Object.keys(DEFAULTS)]
/** URL schemes the addon's Redis client takes (`rediss:` for TLS). */
const SCHEMES = ['redis:', 'rediss:', 'redis+unix:', 'unix:']

function redisUrl(value) {
  if (typeof value !== 'string') throw invalidType(`The "cluster.redis" option must be a Redis URL string; received ${describeType(value)}`)
  let url
  try {
    url = new URL(value)
  } catch {
    throw invalidValue(`The "cluster.redis" option must be a Redis URL such as redis://127.0.0.1:6379; received "${value}"`)
  }
  if (!SCHEMES.includes(url.protocol)) {
    throw invalidValue(`The "cluster.redis" option must be a redis:// or rediss:// URL; received "${url.protocol}//..."`)
  }
  // The redis crate reads `#insecure` as "skip verification", which this
  // build never does: refused rather than ignored.
  if (url.protocol === 'rediss:' && url.hash !== '') {
    throw invalidValue(`The "cluster.redis" option takes no fragment ("${url.hash}") with rediss://: certificates are always verified (see "cluster.ca" for a private CA)`)
  }
  return value
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g

/** One `ca` entry as PEM text, each certificate in it checked. */
function caEntry(value, name) {
  let pem
  if (typeof value === 'string') pem = value
  else if (ArrayBuffer.isView(value)) pem = Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('latin1')
  else throw invalidType(`The "${name}" option must be a PEM string or Buffer, or an array of them; received ${describeType(value)}`)
  const certificates = pem.match(PEM_CERTIFICATE) ?? []
  if (certificates.length === 0) {
    throw invalidValue(`The "${name}" option holds no PEM certificate (-----BEGIN CERTIFICATE-----)`)
  }
  // Where the runtime has it (Node does), every certificate is parsed now:
  // a damaged one fails here rather than at the first connection.
  if (typeof X509Certificate === 'function') {
    certificates.forEach((certificate, index) => {
      try {
        new X509Certificate(certificate)
      } catch (error) {
        throw invalidValue(`The "${name}" option's certificate ${index + 1} cannot be read: ${error.message}`)
      }
    })
  }
  return pem
}

/** The `ca` option as a list of PEM texts: the only roots `rediss://` trusts. */
function caOption(value) {
  if (!Array.isArray(value)) return [caEntry(value, 'cluster.ca')]
  if (value.length === 0) throw invalidValue('The "cluster.ca" option holds no PEM certificate (an empty array)')
  return value.map((entry, index) => caEntry(entry, `cluster.ca[${index}]`))
}

/** A path from the environment, or undefined when unset or empty. */
function environmentPath(name) {
  const value = process.env[name]
  return typeof value === 'string' && value !== '' ? value : undefined
}

/** A name in Redis keys (`cluster.queue`, an orchestrator's `cluster.name`). */
function keyName(value, option) {
  if (typeof value !== 'string') throw invalidType(`The "${option}" option must be a string; received ${describeType(value)}`)
  // Braces would break the hash tag every key under the name shares.
  if (value.length === 0 || value.length > 200 || /[{}\s]/.test(value)) {
    throw invalidValue(`The "${option}" option must be 1 to 200 characters without spaces or braces; received "${value}"`)
  }
  return value
}

function milliseconds(value, name, min) {
  if (typeof value !== 'number') throw invalidType(`The "cluster.${name}" option must be a number; received ${describeType(value)}`)
  if (!Number.isInteger(value) || value < min || value > MAX_TIMEOUT_MS) {
    throw outOfRange(`The "cluster.${name}" option must be an integer from ${min} to ${MAX_TIMEOUT_MS} (ms); received ${value}`)
  }
  return value
}

/** The resolved `cluster` option, or null when there is none. */
function resolveClusterOptions(value) {
  if (value === undefined || value === null) return null
  if (!isPlainObject(value)) throw invalidType(`The "cluster" option must be an object { redis, queue }; received ${describeType(value)}`)
  const unknown = Object.keys(value).filter((key) => !KEYS.includes(key))
  if (unknown.length > 0) throw invalidValue(`Unknown "cluster" option ${unknown.map((key) => `"${key}"`).join(', ')}; known: ${KEYS.join(', ')}`)
  const options = { ...DEFAULTS, ...Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) }
  const resolved = {
    redis: redisUrl(options.redis),
    queue: keyName(options.queue, 'cluster.queue'),
    heartbeatMs: milliseconds(options.heartbeatMs, 'heartbeatMs', 10),
    visibilityTimeoutMs: milliseconds(options.visibilityTimeoutMs, 'visibilityTimeoutMs', 10),
    maxDeliveries: integerInRange(options.maxDeliveries, 'cluster.maxDeliveries', 1, 1000),
    deadLetterLimit: options.deadLetterLimit === Infinity
      ? Infinity
      : integerInRange(options.deadLetterLimit, 'cluster.deadLetterLimit', 0, Number.MAX_SAFE_INTEGER),
    resultTtlMs: milliseconds(options.resultTtlMs, 'resultTtlMs', 1000),
    connectTimeoutMs: milliseconds(options.connectTimeoutMs, 'connectTimeoutMs', 10),
    // rediss:// trusts these, or the Mozilla roots and the environment's
    // certificates when there is none (see docs/cluster.md#tls).
    ca: options.ca === undefined ? undefined : caOption(options.ca),
    // Read now, in JavaScript: the addon's thread must not read the
    // environment while the main thread may be changing it.
    sslCertFile: environmentPath('SSL_CERT_FILE'),
    sslCertDir: environmentPath('SSL_CERT_DIR'),
  }
  // A node renews what it runs once a heartbeat: a visibility timeout
  // shorter than two of them would take tasks from nodes that are alive.
  if (resolved.visibilityTimeoutMs < 2 * resolved.heartbeatMs) {
    throw outOfRange(`"cluster.visibilityTimeoutMs" (${resolved.visibilityTimeoutMs}) must be at least twice "cluster.heartbeatMs" (${resolved.heartbeatMs})`)
  }
  return resolved
}

module.exports = { resolveClusterOptions, redisUrl, caOption, environmentPath, keyName, milliseconds }
