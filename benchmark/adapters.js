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

/** Who is compared with whom; the first of each group is ours. */
const GROUPS = [
  { title: 'Thread workers', pools: ['parallel-processor', 'piscina', 'tinypool', 'workerpool', 'poolifier'] },
  { title: 'Process workers', pools: Object.keys(processAdapters) },
]

module.exports = { adapters, pools: Object.keys(adapters), GROUPS }
