'use strict'

/**
 * One shape for every pool: `create(workers)` returns
 * `{ run(payload, name), destroy() }`, each pool in thread mode with exactly
 * `workers` threads and otherwise its default settings.
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

module.exports = { adapters, pools: Object.keys(adapters) }
