'use strict'

/**
 * The workloads. Each runs in a fresh Node process (see child.js) against one
 * pool and returns its measurements. Throughput and latency workloads warm the
 * pool up first, so that they measure the data path, not worker start-up.
 */
const fs = require('node:fs')
const path = require('node:path')
const { Worker } = require('node:worker_threads')
const { adapters, TASK_MODULES, TRANSFERS } = require('./adapters')
const { sourceFiles } = require('./source-files')

const BURST_TASKS = 100_000
const SHORT_BURST_TASKS = 20_000
const SEQUENTIAL_TASKS = 20_000
const CPU_TASKS = 400
const FIB_N = 27
const MEMORY_TASKS = 100_000

/**
 * Big data: one Buffer at a time to a worker and back, `trips` round trips
 * after `warmUp` of them, the median reported. Trips per size keep a thread
 * pool's measure to a second or two where the buffer is copied; a measure
 * stops early (after at least MIN_TRIPS) once its trips add up to
 * TRIPS_BUDGET_MS, as process pools take several times longer.
 */
const SIZES = {
  '1MB': { label: '1 MB', bytes: 2 ** 20, trips: 200, warmUp: 20 },
  '16MB': { label: '16 MB', bytes: 16 * 2 ** 20, trips: 40, warmUp: 5 },
  '64MB': { label: '64 MB', bytes: 64 * 2 ** 20, trips: 12, warmUp: 2 },
}
/** The handler of each task and mode (see workers/*-task.js). */
const TASKS = {
  'echo-length': { copied: 'echoLength', transferred: 'echoLength' },
  'echo-back': { copied: 'echo', transferred: 'echoMoved' },
}
const MODES = ['copied', 'transferred']
const TRIPS_BUDGET_MS = 1500
const MIN_TRIPS = 5
/** No answer in this long: the trip fails (and so the measure), the run goes on. */
const TRIP_TIMEOUT_MS = 60_000

/** Babel: files submitted at once, after a warm-up on other files (BABEL_WARM_UP per worker). */
const BABEL_FILES = 300
const BABEL_WARM_UP = 20
const BABEL_TIMEOUT_MS = 5 * 60_000
/** The Babel work done on the main thread, one file after another: what the pools are for. */
const ONE_THREAD = 'one thread'

const now = () => Number(process.hrtime.bigint()) / 1e6

async function warmUp(pool, workers) {
  if (pool.warmUp) return pool.warmUp()
  await Promise.all(Array.from({ length: 1000 }, (_, i) => pool.run({ i, s: 'hello' }, 'echo')))
  await Promise.all(Array.from({ length: workers }, () => pool.run(20, 'fib')))
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]
}

/** `count` tiny tasks submitted at once, on a warm pool. */
async function burst(poolName, workers, count) {
  const pool = adapters[poolName](workers)
  await warmUp(pool, workers)
  const start = now()
  const results = await Promise.all(Array.from({ length: count }, (_, i) => pool.run({ i, s: 'hello' }, 'echo')))
  const ms = now() - start
  check(results[count - 1].i === count - 1)
  await pool.destroy()
  return { tasksPerSec: (count / ms) * 1000 }
}

const workloads = {
  /** 100,000 tiny tasks submitted at once. */
  burst: (poolName, workers) => burst(poolName, workers, BURST_TASKS),

  /** 20,000 tiny tasks submitted at once: a burst short enough that getting going weighs. */
  burst20k: (poolName, workers) => burst(poolName, workers, SHORT_BURST_TASKS),

  /** 20,000 tasks awaited one by one. */
  async sequential(poolName, workers) {
    const pool = adapters[poolName](workers)
    await warmUp(pool, workers)
    const latencies = new Float64Array(SEQUENTIAL_TASKS)
    const start = now()
    for (let i = 0; i < SEQUENTIAL_TASKS; i++) {
      const t = now()
      const result = await pool.run({ i, s: 'hello' }, 'echo')
      latencies[i] = now() - t
      check(result.i === i)
    }
    const ms = now() - start
    await pool.destroy()
    latencies.sort()
    return { tasksPerSec: (SEQUENTIAL_TASKS / ms) * 1000, p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99) }
  },

  /**
   * 400 × fib(27), submitted at once. Three batches, the median reported: a
   * batch lasts about half a second, and a shared machine's speed wanders.
   */
  async cpu(poolName, workers) {
    const pool = poolName === 'raw worker_threads' ? rawWorkers(workers) : adapters[poolName](workers)
    await warmUp(pool, workers)
    const rates = []
    for (let batch = 0; batch < 3; batch++) {
      const start = now()
      const results = await (pool.fibBatch?.(FIB_N, CPU_TASKS) ??
        Promise.all(Array.from({ length: CPU_TASKS }, () => pool.run(FIB_N, 'fib'))))
      rates.push((CPU_TASKS / (now() - start)) * 1000)
      check(results.length === CPU_TASKS && results.every((r) => r === 196418))
    }
    await pool.destroy()
    return { tasksPerSec: rates.sort((a, b) => a - b)[1] }
  },

  /** Peak RSS of the whole process with 100,000 tasks queued. */
  async memory(poolName, workers) {
    const pool = adapters[poolName](workers)
    await warmUp(pool, workers)
    const promises = new Array(MEMORY_TASKS)
    for (let i = 0; i < MEMORY_TASKS; i++) promises[i] = pool.run({ i, s: 'hello' }, 'echo')
    // Every promise is pending here: the loop never yielded to deliver a result.
    const queuedRssMb = process.memoryUsage.rss() / 2 ** 20
    await Promise.all(promises)
    await pool.destroy()
    return { queuedRssMb, peakRssMb: process.resourceUsage().maxRSS / 1024 }
  },

  /** Constructor to first result, then dispose() of the idle pool. */
  async startup(poolName, workers) {
    const start = now()
    const pool = adapters[poolName](workers)
    check((await pool.run({ i: 1 }, 'echo')).i === 1)
    const startupMs = now() - start
    await new Promise((resolve) => setTimeout(resolve, 200))
    const disposeStart = now()
    await pool.destroy()
    return { startupMs, disposeMs: now() - disposeStart }
  },
}

/** The big data measures of `pool`: `{ key, size, task, mode }`; process workers copy only. */
function bigdataCells(pool) {
  const modes = TRANSFERS.has(pool) ? MODES : ['copied']
  return Object.keys(SIZES).flatMap((size) => Object.keys(TASKS).flatMap((task) => modes.map((mode) => ({ key: `${size} ${task} ${mode}`, size, task, mode }))))
}

/** Pools that run the big data workload, and the Babel workload (which adds ONE_THREAD). */
const DATA_POOLS = Object.keys(TASK_MODULES)

const dataWorkloads = {
  /**
   * Big data, one size (`part`): for each task and mode, a fresh pool, one
   * small task per worker, the warm-up trips, then the measured trips one at
   * a time. A measure that fails is listed in `failed`; the others go on.
   *
   * First, one throwaway pool makes the warm-up trips of every measure: the
   * process's first buffers of a size cost more than the next ones (the
   * allocator learns to keep such blocks), which would burden whichever
   * measure came first.
   */
  async bigdata(poolName, workers, part) {
    const size = SIZES[part]
    if (size === undefined) throw new Error(`no big data size ${part}`)
    const cells = bigdataCells(poolName).filter((c) => c.size === part)
    await roundTrips(poolName, workers, { ...size, trips: 0 }, cells).catch(() => {})
    const result = { failed: {} }
    for (const cell of cells) {
      try {
        result[cell.key] = await roundTrips(poolName, workers, size, [cell])
      } catch (error) {
        result.failed[cell.key] = describeError(error)
      }
    }
    return result
  },

  /**
   * Babel with istanbul over BABEL_FILES files submitted at once, after
   * BABEL_WARM_UP other files per worker (each thread that runs Babel, one
   * for ONE_THREAD, then has it loaded and about as warm).
   */
  async babel(poolName, workers) {
    const { warm, measured } = babelInput(workers)
    const warmUp = warm.slice(0, poolName === ONE_THREAD ? BABEL_WARM_UP : BABEL_WARM_UP * workers)
    const sizes = measured.map((file) => fs.statSync(file).size)
    let pool
    try {
      pool = poolName === ONE_THREAD ? oneThread() : adapters[poolName](workers, { filename: TASK_MODULES[poolName] })
      await withTimeout(Promise.all(warmUp.map((file) => pool.run(file, 'instrument'))), BABEL_TIMEOUT_MS)
      const start = now()
      const lengths = await withTimeout(Promise.all(measured.map((file) => pool.run(file, 'instrument'))), BABEL_TIMEOUT_MS)
      const ms = now() - start
      // Instrumentation only adds code.
      check(lengths.length === measured.length && lengths.every((length, i) => length > sizes[i]))
      return { filesPerSec: (measured.length / ms) * 1000 }
    } catch (error) {
      return { error: describeError(error) }
    } finally {
      if (pool !== undefined) await withTimeout(pool.destroy(), TRIP_TIMEOUT_MS).catch(() => {})
    }
  },
}

/**
 * On a fresh pool, the warm-up trips of each of `cells`, then the measured
 * trips of the last: returns their median round trip (ms).
 */
async function roundTrips(poolName, workers, size, cells) {
  const pool = adapters[poolName](workers, { filename: TASK_MODULES[poolName], buffers: true })
  let measured = false
  try {
    // Every worker started and its module loaded.
    await withTimeout(Promise.all(Array.from({ length: workers }, () => pool.run(Buffer.alloc(16), 'echoLength'))), TRIP_TIMEOUT_MS)
    for (const cell of cells) {
      for (let trip = 0; trip < size.warmUp; trip++) await roundTrip(pool, size.bytes, cell, trip)
    }
    const cell = cells[cells.length - 1]
    const times = []
    for (let trip = 0, total = 0; trip < size.trips && (trip < MIN_TRIPS || total < TRIPS_BUDGET_MS); trip++) {
      times.push(await roundTrip(pool, size.bytes, cell, trip))
      total += times[trip]
    }
    measured = true
    return percentile(times.sort((a, b) => a - b), 50)
  } finally {
    // A pool that cannot be destroyed after its measure fails it too.
    const destroyed = withTimeout(pool.destroy(), TRIP_TIMEOUT_MS)
    if (measured) await destroyed
    else await destroyed.catch(() => {})
  }
}

/**
 * One round trip of a fresh buffer (allocated and filled outside the timed
 * section, for every mode: a moved buffer is gone after the call). Returns
 * the milliseconds from the call to its result; checks the result, and that
 * a transferred buffer did leave this thread.
 */
async function roundTrip(pool, bytes, cell, trip) {
  const fill = (trip % 250) + 1
  const buf = Buffer.alloc(bytes, fill)
  const transferred = cell.mode === 'transferred'
  const start = now()
  const result = await withTimeout(pool.run(buf, TASKS[cell.task][cell.mode], transferred ? [buf.buffer] : undefined), TRIP_TIMEOUT_MS)
  const ms = now() - start
  if (transferred && buf.buffer.byteLength !== 0) {
    throw new Error('the payload was copied, not moved: its buffer is still attached after the call with a transferList')
  }
  if (cell.task === 'echo-length') {
    if (result !== bytes) throw new Error(`echo-length returned ${describeValue(result)}, not ${bytes}`)
  } else if (!ArrayBuffer.isView(result) || result.byteLength !== bytes || result[0] !== fill || result[bytes - 1] !== fill) {
    throw new Error(`echo-back returned ${describeValue(result)}, not the ${bytes} bytes sent`)
  }
  return ms
}

/** The Babel workload's files: those of the warm-up, then the measured ones (the same for every pool). */
function babelInput(workers) {
  const files = sourceFiles(BABEL_WARM_UP * workers + BABEL_FILES)
  return { warm: files.slice(0, BABEL_WARM_UP * workers), measured: files.slice(BABEL_WARM_UP * workers) }
}

function oneThread() {
  const handlers = require('./workers/handlers')
  // Called in a loop, each call runs to its end before the next: one thread, no pool.
  return { run: async (payload, name) => handlers[name](payload), destroy: async () => {} }
}

function withTimeout(promise, ms) {
  let timer
  const timeout = new Promise((resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer in ${ms / 1000} s`)), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

/** One line: the error's name or code, and its message's first line. */
function describeError(error) {
  if (!(error instanceof Error)) return `threw ${describeValue(error)}`
  const kind = error.code ? `${error.name} ${error.code}` : error.name
  return `${kind}: ${String(error.message).split('\n')[0]}`
}

function describeValue(value) {
  if (value === null || typeof value !== 'object') return typeof value === 'string' ? JSON.stringify(value.slice(0, 80)) : String(value)
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name} of ${value.byteLength} bytes`
  return `an instance of ${value.constructor?.name ?? 'Object'}`
}

/** Raw worker_threads doing the CPU split by hand: the ideal the pools are measured against. */
function rawWorkers(workers) {
  const threads = Array.from({ length: workers }, () => new Worker(path.join(__dirname, 'workers', 'raw-task.js')))
  const ask = (thread, message) => new Promise((resolve) => {
    thread.once('message', resolve)
    thread.postMessage(message)
  })
  return {
    warmUp: () => Promise.all(threads.map((thread) => ask(thread, { n: 20, count: 1 }))),
    async fibBatch(n, count) {
      const shares = threads.map((_, i) => Math.floor(count / workers) + (i < count % workers ? 1 : 0))
      return (await Promise.all(threads.map((thread, i) => ask(thread, { n, count: shares[i] })))).flat()
    },
    destroy: () => Promise.all(threads.map((thread) => thread.terminate())),
  }
}

function check(condition) {
  if (!condition) throw new Error('wrong result')
}

Object.assign(workloads, dataWorkloads)

module.exports = { workloads, SIZES, TASKS, MODES, TRIPS_BUDGET_MS, MIN_TRIPS, bigdataCells, DATA_POOLS, ONE_THREAD, BABEL_WARM_UP, babelInput }
