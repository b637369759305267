'use strict'

/**
 * Validation of the constructor's and `execute()`'s options. Errors follow
 * Node's conventions: TypeError ERR_INVALID_ARG_TYPE for a wrong type,
 * RangeError ERR_OUT_OF_RANGE for a value out of range, TypeError
 * ERR_INVALID_ARG_VALUE for a value that is not one of the accepted ones.
 */
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const v8 = require('node:v8')
const { fileURLToPath } = require('node:url')
const { Stdio } = require('../native')
const { invalidType, invalidValue, outOfRange, notCloneable, argumentError } = require('../shared/errors')
const { isPlainObject, refuseUnknownKeys, describeType, integerInRange, positiveNumber, duration, MAX_TIMEOUT_MS } = require('../shared/validate')
const { resolveClusterOptions } = require('../cluster/options')

// Tuning that is left out (idleTimeoutMs, restartBackoffMs, abortGraceMs) stays undefined
// here: the core's defaults apply (PoolConfig::default in src/core/pool/mod.rs).
const MAX_WORKERS = 1024
const KINDS = ['thread', 'process']
/** Checked again where the addon takes them (an enum there). */
const STDIO_MODES = Object.values(Stdio)

/**
 * `{ initial, max }` in ms, exponential with jitter between them. A bound
 * left out is the core's default, adjusted not to cross the other one.
 */
function restartBackoff(value) {
  if (value === undefined) return undefined
  if (!isPlainObject(value)) throw invalidType(`The "restartBackoffMs" option must be an object { initial, max }; received ${describeType(value)}`)
  const initial = value.initial === undefined ? undefined : positiveNumber(value.initial, 'restartBackoffMs.initial')
  const max = value.max === undefined ? undefined : positiveNumber(value.max, 'restartBackoffMs.max')
  // The check users see; the addon asserts it again for the core (src/binding/options.rs).
  if (max < initial) throw outOfRange(`"restartBackoffMs.max" (${max}) must not be below "restartBackoffMs.initial" (${initial})`)
  return { initial, max }
}

/**
 * How long a worker that runs several tasks at once has, after one of them
 * was aborted or timed out, to show that its event loop still turns (ms):
 * 0 terminates it at once, Infinity never.
 */
function abortGrace(value) {
  if (value === undefined || value === Infinity) return value
  if (typeof value !== 'number') throw invalidType(`The "abortGraceMs" option must be a number; received ${describeType(value)}`)
  if (!(value >= 0 && value <= MAX_TIMEOUT_MS)) {
    throw outOfRange(`The "abortGraceMs" option must be from 0 to ${MAX_TIMEOUT_MS} ms, or Infinity; received ${value}`)
  }
  return value
}

/** An absolute path or a file: URL, to a file that exists. Returns the path. */
function modulePath(value, name) {
  let file
  if (value instanceof URL || (typeof value === 'string' && value.startsWith('file:'))) {
    try {
      file = fileURLToPath(value)
    } catch (error) {
      throw invalidValue(`The "${name}" option is not a valid file: URL: ${error.message}`)
    }
  } else if (typeof value === 'string') {
    if (!path.isAbsolute(value)) {
      throw invalidValue(`The "${name}" option must be an absolute path or a file: URL (try require.resolve()); received ${JSON.stringify(value)}`)
    }
    file = value
  } else {
    throw invalidType(`The "${name}" option must be a string or a URL; received ${describeType(value)}`)
  }
  if (!fs.existsSync(file)) {
    throw argumentError(Error, 'ERR_MODULE_NOT_FOUND', `Cannot find worker module ${file}`)
  }
  return file
}

/**
 * `argv`, as Node's `Worker` takes it: values appended to the worker's
 * `process.argv`, stringified as Node stringifies them (a copy, so that the
 * caller's array may change later).
 */
function workerArgv(value) {
  if (value === undefined) return undefined
  if (!Array.isArray(value)) throw invalidType(`The "argv" option must be an array; received ${describeType(value)}`)
  return Array.from(value, String)
}

/**
 * A fixed pool (`workers`, default: the machine's parallelism) or a dynamic
 * one (`minWorkers`, `maxWorkers`, `idleTimeoutMs`): `{ minWorkers, maxWorkers, idleTimeoutMs }`.
 */
function poolSize(workers, options) {
  const parallelism = Math.min(os.availableParallelism(), MAX_WORKERS)
  const { minWorkers, maxWorkers, idleTimeoutMs } = options
  if (minWorkers === undefined && maxWorkers === undefined) {
    const size = workers === undefined ? parallelism : integerInRange(workers, 'workers', 1, MAX_WORKERS)
    // A fixed pool never shrinks.
    return { minWorkers: size, maxWorkers: size, idleTimeoutMs: 0 }
  }
  if (workers !== undefined) {
    throw invalidValue('Pass either "workers" (a fixed pool) or "minWorkers"/"maxWorkers" (a dynamic one), not both')
  }
  const min = minWorkers === undefined ? 0 : integerInRange(minWorkers, 'minWorkers', 0, MAX_WORKERS)
  const max = maxWorkers === undefined ? Math.max(parallelism, min) : integerInRange(maxWorkers, 'maxWorkers', 1, MAX_WORKERS)
  // The check users see; the addon asserts it again for the core (src/binding/options.rs).
  if (min > max) throw outOfRange(`"minWorkers" (${min}) must not exceed "maxWorkers" (${max})`)
  return {
    minWorkers: min,
    maxWorkers: max,
    idleTimeoutMs: idleTimeoutMs === undefined ? undefined : duration(idleTimeoutMs, 'idleTimeoutMs'),
  }
}

/**
 * `telemetry`: OpenTelemetry traces (when `@opentelemetry/api` is installed);
 * `false` turns them off for this pool. Default true.
 */
function telemetry(value) {
  if (value === undefined) return true
  if (typeof value !== 'boolean') throw invalidType(`The "telemetry" option must be a boolean; received ${describeType(value)}`)
  return value
}

/**
 * `niceIncrement`: how much to lower each worker's CPU priority (added to
 * its nice value, see lib/worker/priority.js). Default 0: unchanged. Any
 * increment is accepted, as nice(1) does: the result stops at the lowest
 * priority there is.
 */
function niceIncrement(value) {
  if (value === undefined) return 0
  return integerInRange(value, 'niceIncrement', 0, Number.MAX_SAFE_INTEGER)
}

/** Every option the constructor knows. */
const PROCESSOR_OPTIONS = [
  'workers', 'minWorkers', 'maxWorkers', 'idleTimeoutMs', 'filename', 'kind', 'stdio', 'taskTimeoutMs', 'maxQueue', 'maxQueueWaitMs',
  'concurrentTasksPerWorker', 'abortGraceMs', 'maxTasksPerWorker', 'maxWorkerMemoryMb', 'restartBackoffMs',
  'workerData', 'env', 'execArgv', 'argv', 'resourceLimits', 'niceIncrement', 'cluster', 'telemetry',
]

/**
 * `new ParallelProcessor(workers?, options?)` or `new ParallelProcessor(options?)`.
 * Returns the resolved configuration.
 */
function resolveProcessorOptions(first, second) {
  let options
  let workers
  if (typeof first === 'number') {
    workers = first
    options = second === undefined ? {} : second
  } else if (first === undefined) {
    options = second === undefined ? {} : second
  } else {
    options = first
    if (!isPlainObject(options)) {
      throw invalidType(`The first argument must be a number of workers or an options object; received ${describeType(first)}`)
    }
  }
  if (!isPlainObject(options)) throw invalidType(`The "options" argument must be an object; received ${describeType(options)}`)
  refuseUnknownKeys(options, PROCESSOR_OPTIONS, 'pool')
  if (workers === undefined) workers = options.workers
  const cluster = resolveClusterOptions(options.cluster)
  // `workers: 0`: a cluster node that only submits (the core still wants a
  // pool of one, which never starts: no task of its own reaches it).
  const submitOnly = cluster !== null && workers === 0
  if (submitOnly) workers = 1

  const kind = options.kind === undefined ? 'thread' : options.kind
  if (!KINDS.includes(kind)) {
    throw invalidValue(`The "kind" option must be one of ${KINDS.map((k) => `'${k}'`).join(', ')}; received ${describeType(kind)}`)
  }
  const stdio = options.stdio === undefined ? 'prefix' : options.stdio
  if (!STDIO_MODES.includes(stdio)) {
    throw invalidValue(`The "stdio" option must be one of ${STDIO_MODES.map((m) => `'${m}'`).join(', ')}; received ${describeType(stdio)}`)
  }

  const resolved = {
    kind,
    stdio,
    ...poolSize(workers, options),
    cluster,
    submitOnly,
    filename: options.filename === undefined ? null : modulePath(options.filename, 'filename'),
    taskTimeoutMs: options.taskTimeoutMs === undefined ? 0 : duration(options.taskTimeoutMs, 'taskTimeoutMs'),
    maxQueue: Infinity,
    restartBackoffMs: restartBackoff(options.restartBackoffMs),
    abortGraceMs: abortGrace(options.abortGraceMs),
    concurrentTasksPerWorker: options.concurrentTasksPerWorker === undefined
      ? 1
      : integerInRange(options.concurrentTasksPerWorker, 'concurrentTasksPerWorker', 1, 10000),
    maxQueueWaitMs: options.maxQueueWaitMs === undefined ? 0 : duration(options.maxQueueWaitMs, 'maxQueueWaitMs'),
    maxTasksPerWorker: options.maxTasksPerWorker === undefined || options.maxTasksPerWorker === Infinity
      ? 0
      : integerInRange(options.maxTasksPerWorker, 'maxTasksPerWorker', 1, Number.MAX_SAFE_INTEGER),
    maxWorkerMemoryMb: options.maxWorkerMemoryMb === undefined || options.maxWorkerMemoryMb === Infinity
      ? 0
      : positiveNumber(options.maxWorkerMemoryMb, 'maxWorkerMemoryMb'),
    workerData: options.workerData,
    env: options.env,
    execArgv: options.execArgv,
    argv: workerArgv(options.argv),
    resourceLimits: options.resourceLimits,
    niceIncrement: niceIncrement(options.niceIncrement),
    telemetry: telemetry(options.telemetry),
  }
  if (options.maxQueue !== undefined && options.maxQueue !== Infinity) {
    resolved.maxQueue = integerInRange(options.maxQueue, 'maxQueue', 0, Number.MAX_SAFE_INTEGER)
  }
  if (submitOnly) resolved.minWorkers = 0
  if (cluster !== null && !submitOnly && resolved.filename === null) {
    throw invalidValue('A cluster node with workers needs "filename": each node runs its own copy of the module (pass workers: 0 for a node that only submits)')
  }
  if (options.env !== undefined && !isPlainObject(options.env) && typeof options.env !== 'symbol') {
    throw invalidType(`The "env" option must be an object; received ${describeType(options.env)}`)
  }
  if (options.execArgv !== undefined && (!Array.isArray(options.execArgv) || !options.execArgv.every((a) => typeof a === 'string'))) {
    throw invalidType('The "execArgv" option must be an array of strings')
  }
  if (options.resourceLimits !== undefined && !isPlainObject(options.resourceLimits)) {
    throw invalidType(`The "resourceLimits" option must be an object; received ${describeType(options.resourceLimits)}`)
  }
  try {
    v8.serialize(options.workerData)
  } catch (error) {
    throw notCloneable(`The "workerData" option cannot be cloned: ${error.message}`)
  }
  return resolved
}

const MAX_RETRIES = 1000
const MIN_PRIORITY = -(2 ** 31)
const MAX_PRIORITY = 2 ** 31 - 1

/** `execute()`'s options, completed from the pool's PoolInternals (internal.js). Throws like the constructor; the caller turns it into a rejection. */
function resolveExecuteOptions(options, internals) {
  if (options === undefined) {
    return { name: null, filename: internals.filename, timeoutMs: internals.taskTimeoutMs, priority: 0, signal: null, retries: 0, transferList: undefined }
  }
  if (!isPlainObject(options)) throw invalidType(`The "options" argument must be an object; received ${describeType(options)}`)
  const { name, filename, timeoutMs, priority, signal, retries, transferList } = options
  if (signal !== undefined && signal !== null && !isAbortSignal(signal)) {
    throw invalidType(`The "signal" option must be an AbortSignal; received ${describeType(signal)}`)
  }
  if (name !== undefined && name !== null && typeof name !== 'string') {
    throw invalidType(`The "name" option must be a string; received ${describeType(name)}`)
  }
  return {
    name: name ?? null,
    filename: filename === undefined ? internals.filename : internals.checkedFilename(filename),
    timeoutMs: timeoutMs === undefined ? internals.taskTimeoutMs : duration(timeoutMs, 'timeoutMs'),
    priority: priority === undefined ? 0 : integerInRange(priority, 'priority', MIN_PRIORITY, MAX_PRIORITY),
    signal: signal ?? null,
    retries: retries === undefined ? 0 : integerInRange(retries, 'retries', 0, MAX_RETRIES),
    // Its entries are checked where the payload is surveyed (lib/shared/transfer.js).
    transferList: transferList === null || (Array.isArray(transferList) && transferList.length === 0) ? undefined : transferList,
  }
}

/** By shape rather than instanceof, which fails across realms. */
function isAbortSignal(value) {
  return typeof value === 'object' && typeof value.aborted === 'boolean' && typeof value.addEventListener === 'function'
}

const CLOSE_OPTIONS = ['timeoutMs', 'force']

/**
 * `close()`'s options: `timeoutMs` (`Infinity` waits as long as it takes) and
 * `force` (the tasks still queued reject at once).
 */
function resolveCloseOptions(options) {
  if (options === undefined) return { timeoutMs: 30000, force: false }
  if (!isPlainObject(options)) throw invalidType(`The "options" argument must be an object; received ${describeType(options)}`)
  refuseUnknownKeys(options, CLOSE_OPTIONS, 'close')
  const { timeoutMs, force } = options
  if (force !== undefined && typeof force !== 'boolean') {
    throw invalidType(`The "force" option must be a boolean; received ${describeType(force)}`)
  }
  return {
    timeoutMs: timeoutMs === undefined || timeoutMs === Infinity ? timeoutMs ?? 30000 : duration(timeoutMs, 'timeoutMs'),
    force: force ?? false,
  }
}

module.exports = {
  resolveProcessorOptions,
  resolveExecuteOptions,
  resolveCloseOptions,
  modulePath,
}
