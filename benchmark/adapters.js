'use strict'

/**
 * One shape for every pool: `create(workers)` returns
 * `{ run(payload, name), destroy() }`, each pool with exactly `workers`
 * workers and otherwise its default settings. Thread pools are compared with
 * thread pools, process pools with process pools (see GROUPS).
 */
const path = require('node:path')

const moduleTask = path.join(__dirname, 'workers', 'module-task.js')

const adapters = {
  'parallel-processor': (workers) => {
    const { ParallelProcessor } = require('..')
    const pool = new ParallelProcessor(workers, { filename: moduleTask })
    return { run: (payload, name) => pool.execute(payload, { name }), destroy: () => pool.dispose() }
  },

  piscina: (workers) => {
    const { Piscina } = require('piscina')
    const pool = new Piscina({ filename: moduleTask, minThreads: workers, maxThreads: workers })
    return { run: (payload, name) => pool.run(payload, { name }), destroy: () => pool.destroy() }
  },

  tinypool: (workers) => {
    const { Tinypool } = require('tinypool')
    const pool = new Tinypool({ filename: moduleTask, minThreads: workers, maxThreads: workers, runtime: 'worker_threads' })
    return { run: (payload, name) => pool.run(payload, { name }), destroy: () => pool.destroy() }
  },

  workerpool: (workers) => {
    const workerpool = require('workerpool')
    const pool = workerpool.pool(path.join(__dirname, 'workers', 'workerpool-task.js'), {
      minWorkers: workers,
      maxWorkers: workers,
      workerType: 'thread',
    })
    return { run: (payload, name) => pool.exec(name, [payload]), destroy: () => pool.terminate() }
  },

  poolifier: (workers) => {
    const { FixedThreadPool } = require('poolifier')
    const pool = new FixedThreadPool(workers, path.join(__dirname, 'workers', 'poolifier-task.js'))
    return { run: (payload, name) => pool.execute(payload, name), destroy: () => pool.destroy() }
  },
}

const processAdapters = {
  'parallel-processor (process)': (workers) => {
    const { ParallelProcessor } = require('..')
    const pool = new ParallelProcessor(workers, { kind: 'process', filename: moduleTask })
    return { run: (payload, name) => pool.execute(payload, { name }), destroy: () => pool.dispose() }
  },

  'tinypool (child_process)': (workers) => {
    const { Tinypool } = require('tinypool')
    const pool = new Tinypool({ filename: moduleTask, minThreads: workers, maxThreads: workers, runtime: 'child_process' })
    return { run: (payload, name) => pool.run(payload, { name }), destroy: () => pool.destroy() }
  },

  'workerpool (process)': (workers) => {
    const workerpool = require('workerpool')
    const pool = workerpool.pool(path.join(__dirname, 'workers', 'workerpool-task.js'), {
      minWorkers: workers,
      maxWorkers: workers,
      workerType: 'process',
    })
    return { run: (payload, name) => pool.exec(name, [payload]), destroy: () => pool.terminate() }
  },
}
Object.assign(adapters, processAdapters)

/**
 * With BENCH_BASELINE (`--baseline <checkout>`): this pool as built in another
 * checkout, measured in the same run as a peer of each group, so that a
 * change shows against the code before it rather than against another day.
 */
const BASELINE = process.env.BENCH_BASELINE
const baselines = BASELINE === undefined
  ? {}
  : {
      'parallel-processor baseline': (workers) => {
        const { ParallelProcessor } = require(BASELINE)
        const pool = new ParallelProcessor(workers, { filename: moduleTask })
        return { run: (payload, name) => pool.execute(payload, { name }), destroy: () => pool.dispose() }
      },
      'parallel-processor (process) baseline': (workers) => {
        const { ParallelProcessor } = require(BASELINE)
        const pool = new ParallelProcessor(workers, { kind: 'process', filename: moduleTask })
        return { run: (payload, name) => pool.execute(payload, { name }), destroy: () => pool.dispose() }
      },
    }
Object.assign(adapters, baselines)
const [threadBaseline, processBaseline] = Object.keys(baselines)

/** Who is compared with whom; the first of each group is ours. */
const GROUPS = [
  { title: 'Thread workers', pools: ['parallel-processor', threadBaseline, 'piscina', 'tinypool', 'workerpool', 'poolifier'].filter(Boolean) },
  { title: 'Process workers', pools: [...Object.keys(processAdapters), processBaseline].filter(Boolean) },
]

module.exports = { adapters, pools: Object.keys(adapters), GROUPS }
