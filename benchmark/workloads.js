'use strict'

/**
 * The workloads. Each runs in a fresh Node process (see child.js) against one
 * pool and returns its measurements. Throughput and latency workloads warm the
 * pool up first, so that they measure the data path, not worker start-up.
 */
const path = require('node:path')
const { Worker } = require('node:worker_threads')
const { adapters } = require('./adapters')

const BURST_TASKS = 100_000
const SEQUENTIAL_TASKS = 20_000
const CPU_TASKS = 400
const FIB_N = 27
const MEMORY_TASKS = 100_000

const now = () => Number(process.hrtime.bigint()) / 1e6

async function warmUp(pool, workers) {
  if (pool.warmUp) return pool.warmUp()
  await Promise.all(Array.from({ length: 1000 }, (_, i) => pool.run({ i, s: 'hello' }, 'echo')))
  await Promise.all(Array.from({ length: workers }, () => pool.run(20, 'fib')))
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]
}

const workloads = {
  /** 100,000 tiny tasks submitted at once. */
  async burst(poolName, workers) {
    const pool = adapters[poolName](workers)
    await warmUp(pool, workers)
    const start = now()
    const results = await Promise.all(Array.from({ length: BURST_TASKS }, (_, i) => pool.run({ i, s: 'hello' }, 'echo')))
    const ms = now() - start
    check(results[BURST_TASKS - 1].i === BURST_TASKS - 1)
    await pool.destroy()
    return { tasksPerSec: (BURST_TASKS / ms) * 1000 }
  },

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

module.exports = { workloads }
