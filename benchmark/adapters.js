'use strict'

/**
 * One shape for every pool: `create(workers, options)` returns
 * `{ run(payload, name, transferList), destroy() }`, each pool with exactly
 * `workers` workers and otherwise its default settings. Thread pools are
 * compared with thread pools, process pools with process pools (see GROUPS).
 *
 * `options.filename`: the worker module, module-task.js unless given (the big
 * data and Babel workloads give the pool's own, see TASK_MODULES).
 * `options.buffers`: the workload sends Buffers; a pool that needs a setting
 * to carry them gets it (tinypool's child_process runtime: serialization
 * 'advanced', as its JSON default turns a Buffer into an array of numbers).
 * `transferList`: ArrayBuffers to move rather than copy, for pools that can
 * (TRANSFERS); the others are never given one. Without it, the options are
 * exactly those of the other workloads.
 */
const path = require('node:path')

const moduleTask = path.join(__dirname, 'workers', 'module-task.js')
const workerModule = (name) => path.join(__dirname, 'workers', name)

const adapters = {
  'parallel-processor': (workers, { filename = moduleTask } = {}) => {
    const { ParallelProcessor } = require('..')
    const pool = new ParallelProcessor(workers, { filename })
    return {
      run: (payload, name, transferList) => pool.execute(payload, transferList ? { name, transferList } : { name }),
      destroy: () => pool.dispose(),
    }
  },

  piscina: (workers, { filename = moduleTask } = {}) => {
    const { Piscina } = require('piscina')
    const pool = new Piscina({ filename, minThreads: workers, maxThreads: workers })
    return {
      run: (payload, name, transferList) => pool.run(payload, transferList ? { name, transferList } : { name }),
      destroy: () => pool.destroy(),
    }
  },

  tinypool: (workers, { filename = moduleTask } = {}) => {
    const { Tinypool } = require('tinypool')
    const pool = new Tinypool({ filename, minThreads: workers, maxThreads: workers, runtime: 'worker_threads' })
    return {
      run: (payload, name, transferList) => pool.run(payload, transferList ? { name, transferList } : { name }),
      destroy: () => pool.destroy(),
    }
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

/**
 * The same pool as 'parallel-processor', as the application's tracing
 * leaves it: '(no OpenTelemetry)' where `@opentelemetry/api` cannot be
 * found (so the pool loads nothing of it), '(traced)' with the SDK
 * registered on both sides, so that every task is a recorded span on the
 * caller and one in its worker. The plain row has the API installed (it is
 * a devDependency here) and no SDK: the API's no-op tracer.
 */
const telemetryAdapters = {
  'parallel-processor (no OpenTelemetry)': (workers) => {
    hideModule('@opentelemetry/api')
    const { ParallelProcessor } = require('..')
    const pool = new ParallelProcessor(workers, { filename: moduleTask })
    return { run: (payload, name) => pool.execute(payload, { name }), destroy: () => pool.dispose() }
  },

  'parallel-processor (telemetry: false)': (workers) => {
    const { ParallelProcessor } = require('..')
    const pool = new ParallelProcessor(workers, { filename: moduleTask, telemetry: false })
    return { run: (payload, name) => pool.execute(payload, { name }), destroy: () => pool.dispose() }
  },

  'parallel-processor (traced)': (workers) => {
    require('./workers/tracing-sdk')
    const { ParallelProcessor } = require('..')
    const pool = new ParallelProcessor(workers, { filename: workerModule('traced-task.js') })
    return { run: (payload, name) => pool.execute(payload, { name }), destroy: () => pool.dispose() }
  },
}
Object.assign(adapters, telemetryAdapters)

/** Makes `require(name)` fail in this process as if the package were not installed. */
function hideModule(name) {
  const Module = require('node:module')
  const resolve = Module._resolveFilename
  Module._resolveFilename = function (request, ...rest) {
    if (request === name || request.startsWith(`${name}/`)) {
      throw Object.assign(new Error(`Cannot find module '${request}'`), { code: 'MODULE_NOT_FOUND' })
    }
    return resolve.call(this, request, ...rest)
  }
}

const processAdapters = {
  'parallel-processor (process)': (workers, { filename = moduleTask } = {}) => {
    const { ParallelProcessor } = require('..')
    const pool = new ParallelProcessor(workers, { kind: 'process', filename })
    return { run: (payload, name) => pool.execute(payload, { name }), destroy: () => pool.dispose() }
  },

  'tinypool (child_process)': (workers, { filename = moduleTask, buffers = false } = {}) => {
    const { Tinypool } = require('tinypool')
    const pool = new Tinypool({
      filename,
      minThreads: workers,
      maxThreads: workers,
      runtime: 'child_process',
      ...(buffers ? { serialization: 'advanced' } : {}),
    })
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
      'parallel-processor baseline': (workers, { filename = moduleTask } = {}) => {
        const { ParallelProcessor } = require(BASELINE)
        const pool = new ParallelProcessor(workers, { filename })
        return {
          run: (payload, name, transferList) => pool.execute(payload, transferList ? { name, transferList } : { name }),
          destroy: () => pool.dispose(),
        }
      },
      'parallel-processor (process) baseline': (workers, { filename = moduleTask } = {}) => {
        const { ParallelProcessor } = require(BASELINE)
        const pool = new ParallelProcessor(workers, { kind: 'process', filename })
        return { run: (payload, name) => pool.execute(payload, { name }), destroy: () => pool.dispose() }
      },
    }
Object.assign(adapters, baselines)
const [threadBaseline, processBaseline] = Object.keys(baselines)

/** Who is compared with whom; the first of each group is ours. */
const GROUPS = [
  { title: 'Thread workers', pools: ['parallel-processor', threadBaseline, ...Object.keys(telemetryAdapters), 'piscina', 'tinypool', 'workerpool', 'poolifier'].filter(Boolean) },
  { title: 'Process workers', pools: [...Object.keys(processAdapters), processBaseline].filter(Boolean) },
]

/**
 * The worker module of the big data and Babel workloads for each pool that
 * runs them: the shared handlers, plus echo-back returning the buffer with
 * the pool's own move(). (The baselines' handlers mark with this checkout's
 * move().)
 */
const TASK_MODULES = {
  'parallel-processor': workerModule('parallel-processor-task.js'),
  'parallel-processor (process)': workerModule('parallel-processor-task.js'),
  piscina: workerModule('piscina-task.js'),
  tinypool: workerModule('tinypool-task.js'),
  'tinypool (child_process)': workerModule('tinypool-task.js'),
  ...(threadBaseline ? { [threadBaseline]: workerModule('parallel-processor-task.js') } : {}),
  ...(processBaseline ? { [processBaseline]: workerModule('parallel-processor-task.js') } : {}),
}

/** Pools that can move an ArrayBuffer to a worker and back (thread workers with a transferList). */
const TRANSFERS = new Set(['parallel-processor', threadBaseline, 'piscina', 'tinypool'].filter(Boolean))

module.exports = { adapters, pools: Object.keys(adapters), GROUPS, TASK_MODULES, TRANSFERS, TELEMETRY_POOLS: Object.keys(telemetryAdapters) }
