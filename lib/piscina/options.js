'use strict'

/**
 * piscina's options: its validation (same classes, same messages, so that
 * code and tests written against piscina see what they expect), its
 * defaults, and their translation into the pool's options.
 */
const os = require('node:os')
const { fileURLToPath } = require('node:url')
const { MAX_TIMEOUT_MS } = require('../shared/validate')
const { isPoolQueue } = require('./task-queue')

/** The most workers a pool takes (lib/pool/options.js). */
const MAX_WORKERS = 1024
const CPUS = os.availableParallelism()

/** piscina's defaults (src/index.ts, kDefaultOptions), the same in 4.x and 5.x. */
const DEFAULTS = {
  filename: null,
  name: 'default',
  minThreads: Math.max(Math.floor(CPUS / 2), 1),
  maxThreads: CPUS * 1.5,
  idleTimeout: 0,
  maxQueue: Infinity,
  concurrentTasksPerWorker: 1,
  atomics: 'sync',
  useAtomics: true,
  niceIncrement: 0,
  trackUnmanagedFds: true,
  closeTimeout: 30000,
  recordTiming: true,
  stricterFIFO: false,
  workerHistogram: false,
}

const ATOMICS = ['sync', 'async', 'disabled']

const nonNegative = (value) => typeof value === 'number' && value >= 0
/** piscina accepts `undefined` as "not given" for every option. */
const given = (value) => value !== undefined

/** Throws as piscina's constructor does for the first wrong option. */
function validate(options) {
  const o = options
  if (typeof o.filename !== 'string' && o.filename != null) throw new TypeError('options.filename must be a string or null')
  if (typeof o.name !== 'string' && o.name != null) throw new TypeError('options.name must be a string or null')
  if (given(o.minThreads) && !nonNegative(o.minThreads)) throw new TypeError('options.minThreads must be a non-negative integer')
  if (given(o.maxThreads) && !(typeof o.maxThreads === 'number' && o.maxThreads >= 1)) throw new TypeError('options.maxThreads must be a positive integer')
  if (given(o.minThreads) && given(o.maxThreads) && o.minThreads > o.maxThreads) {
    throw new RangeError('options.minThreads and options.maxThreads must not conflict')
  }
  if (given(o.idleTimeout) && !nonNegative(o.idleTimeout)) throw new TypeError('options.idleTimeout must be a non-negative integer')
  if (given(o.maxQueue) && o.maxQueue !== 'auto' && !nonNegative(o.maxQueue)) throw new TypeError('options.maxQueue must be a non-negative integer')
  if (given(o.concurrentTasksPerWorker) && !(typeof o.concurrentTasksPerWorker === 'number' && o.concurrentTasksPerWorker >= 1)) {
    throw new TypeError('options.concurrentTasksPerWorker must be a positive integer')
  }
  if (given(o.useAtomics) && typeof o.useAtomics !== 'boolean') throw new TypeError('options.useAtomics must be a boolean value')
  if (given(o.atomics) && !ATOMICS.includes(o.atomics)) throw new TypeError('options.atomics should be a value of sync, sync or disabled.')
  if (given(o.resourceLimits) && (typeof o.resourceLimits !== 'object' || o.resourceLimits === null)) {
    throw new TypeError('options.resourceLimits must be an object')
  }
  if (given(o.taskQueue) && !isPoolQueue(o.taskQueue)) throw new TypeError('options.taskQueue must be a TaskQueue object')
  if (given(o.niceIncrement) && !nonNegative(o.niceIncrement)) throw new TypeError('options.niceIncrement must be a non-negative integer')
  if (given(o.trackUnmanagedFds) && typeof o.trackUnmanagedFds !== 'boolean') throw new TypeError('options.trackUnmanagedFds must be a boolean value')
  if (given(o.closeTimeout) && !nonNegative(o.closeTimeout)) throw new TypeError('options.closeTimeout must be a non-negative integer')
  if (given(o.recordTiming) && typeof o.recordTiming !== 'boolean') throw new TypeError('options.recordTiming must be a boolean value')
  if (given(o.workerHistogram) && typeof o.workerHistogram !== 'boolean') throw new TypeError('options.workerHistogram must be a boolean')
  if (given(o.stricterFIFO) && typeof o.stricterFIFO !== 'boolean') throw new TypeError('options.stricterFIFO must be a boolean')
}

/** A `file:` URL as a path, as piscina takes it; anything else unchanged. */
function maybeFileURLToPath(filename) {
  return typeof filename === 'string' && filename.startsWith('file:') ? fileURLToPath(new URL(filename)) : filename
}

/**
 * piscina's `pool.options`: the defaults, the caller's options, and
 * piscina's own adjustments (a lone minThreads above the default maxThreads
 * raises it, and the reverse; `maxQueue: 'auto'` is maxThreads squared).
 */
function fillOptions(options) {
  validate(options)
  const filled = { ...DEFAULTS }
  for (const [key, value] of Object.entries(options)) if (value !== undefined) filled[key] = value
  filled.filename = options.filename ? maybeFileURLToPath(options.filename) : null
  filled.name = options.name ?? DEFAULTS.name
  if (options.maxThreads !== undefined && filled.minThreads >= options.maxThreads) filled.minThreads = options.maxThreads
  if (options.minThreads !== undefined && filled.maxThreads <= options.minThreads) filled.maxThreads = options.minThreads
  filled.maxQueue = options.maxQueue === 'auto' ? filled.maxThreads ** 2 : (options.maxQueue ?? Infinity)
  return filled
}

/**
 * The pool's options for piscina's. piscina grows its pool while fewer than
 * `maxThreads` workers exist, so a fractional maxThreads (the default is
 * 1.5 × the CPUs) means the next integer. `useAtomics`/`atomics`,
 * `trackUnmanagedFds`, `stricterFIFO`, `workerHistogram` and the task queue
 * have no counterpart: the pool's workers wait on their port, not on
 * Atomics; Node's default for unmanaged file descriptors (closed with the
 * thread) is kept; the pool's queue is one FIFO per priority.
 */
function poolOptions(filled) {
  const maxWorkers = Math.min(Math.ceil(filled.maxThreads), MAX_WORKERS)
  const pool = {
    minWorkers: Math.min(Math.floor(filled.minThreads), maxWorkers),
    maxWorkers,
    idleTimeoutMs: Math.min(filled.idleTimeout, MAX_TIMEOUT_MS),
    concurrentTasksPerWorker: Math.floor(filled.concurrentTasksPerWorker),
    workerData: filled.workerData,
    env: filled.env,
    execArgv: filled.execArgv,
    argv: filled.argv,
    resourceLimits: filled.resourceLimits,
  }
  // piscina counts as queued only what no worker (even a starting one) will
  // take: the pool, which also counts tasks waiting for their workers to
  // start, may hold that many more (the entry refuses by piscina's count).
  if (filled.maxQueue !== Infinity) pool.maxQueue = Math.floor(filled.maxQueue) + maxWorkers * pool.concurrentTasksPerWorker
  // Lowers the workers' CPU priority: a pool option (0, the default, changes nothing).
  if (filled.niceIncrement > 0) pool.niceIncrement = Math.floor(filled.niceIncrement)
  for (const key of Object.keys(pool)) if (pool[key] === undefined) delete pool[key]
  return pool
}

module.exports = { fillOptions, poolOptions, maybeFileURLToPath }
