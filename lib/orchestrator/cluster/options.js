'use strict'

/**
 * The `cluster` option of an orchestrator shared by replicas:
 * `{ redis, name, heartbeatMs = 1000, connectTimeoutMs = 5000, ca }`.
 * `redis` (and `ca`) default to the pool's own when the pool is a cluster
 * pool. Unknown keys are refused, as everywhere.
 */
const os = require('node:os')
const { randomUUID } = require('node:crypto')
const { invalidType, invalidValue } = require('../../shared/errors')
const { isPlainObject, describeType } = require('../../shared/validate')
const { redisUrl, caOption, environmentPath, keyName, milliseconds } = require('../../cluster/options')

const DEFAULTS = Object.freeze({ heartbeatMs: 1000, connectTimeoutMs: 5000 })
const KEYS = ['redis', 'name', 'ca', ...Object.keys(DEFAULTS)]

/** This process's id among the replicas: readable in `status().cluster`, unique per orchestrator. */
function replicaId() {
  const host = os.hostname().replace(/[{}\s]/g, '_').slice(0, 60)
  return `${host}-${process.pid}-${randomUUID().slice(0, 8)}`
}

/** The resolved `cluster` option, or null without one. `poolCluster`: the pool's resolved `cluster` option, or null. */
function resolveReplicaOptions(value, poolCluster) {
  if (value === undefined || value === null) return null
  if (!isPlainObject(value)) throw invalidType(`The "cluster" option must be an object { redis, name }; received ${describeType(value)}`)
  const unknown = Object.keys(value).filter((key) => !KEYS.includes(key))
  if (unknown.length > 0) throw invalidValue(`Unknown "cluster" option ${unknown.map((key) => `"${key}"`).join(', ')}; known: ${KEYS.join(', ')}`)
  const options = { ...DEFAULTS, ...Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) }
  const fromPool = options.redis === undefined
  if (fromPool && poolCluster == null) {
    throw invalidValue('The "cluster.redis" option is needed: the pool is not a cluster pool, whose Redis it would default to')
  }
  return {
    redis: fromPool ? poolCluster.redis : redisUrl(options.redis),
    name: keyName(options.name, 'cluster.name'),
    replica: replicaId(),
    heartbeatMs: milliseconds(options.heartbeatMs, 'heartbeatMs', 10),
    connectTimeoutMs: milliseconds(options.connectTimeoutMs, 'connectTimeoutMs', 10),
    ca: options.ca !== undefined ? caOption(options.ca) : fromPool ? poolCluster.ca : undefined,
    sslCertFile: environmentPath('SSL_CERT_FILE'),
    sslCertDir: environmentPath('SSL_CERT_DIR'),
  }
}

module.exports = { resolveReplicaOptions }
