'use strict'

const { ParallelProcessor, WorkerStartError } = require('./pool-kind')
const { fixture, readyPool } = require('./helpers')

describe('a worker module that exports a promise of its handler', () => {
  test('CommonJS: module.exports is awaited once per worker, when it loads', async () => {
    const pool = await readyPool({ workers: 2, filename: fixture('promised/cjs.js') })
    try {
      const submitted = Date.now()
      const results = await Promise.all(Array.from({ length: 6 }, (_, i) => pool.execute(i)))
      results.forEach((result, i) => {
        expect(result).toMatchObject({ payload: i, inits: 1 })
        // Initialized before the worker was ready, not on its first task.
        expect(result.initializedAt).toBeLessThanOrEqual(submitted)
      })
      expect(new Set(results.map((r) => r.workerId)).size).toBe(2)
      // The resolved handler's own properties are named exports.
      await expect(pool.execute(null, { name: 'plain' })).resolves.toBe('plain')
    } finally {
      await pool.dispose()
    }
  })

  test('ESM: a promise as export default is awaited, and so is a named export that is a promise', async () => {
    const pool = new ParallelProcessor(1, { filename: fixture('promised/esm.mjs') })
    try {
      await expect(pool.execute(2)).resolves.toEqual({ tripled: 6, inits: 1 })
      await expect(pool.execute(3)).resolves.toEqual({ tripled: 9, inits: 1 })
      await expect(pool.execute(null, { name: 'named' })).resolves.toBe('named, awaited')
      await expect(pool.execute(null, { name: 'plain' })).resolves.toBe('plain')
    } finally {
      await pool.dispose()
    }
  })

  test('a transpiled ES module in CommonJS: promised exports.default and named exports', async () => {
    const pool = new ParallelProcessor(1, { filename: fixture('promised/transpiled.js') })
    try {
      await expect(pool.execute(4)).resolves.toEqual({ doubled: 8, inits: 1 })
      await expect(pool.execute(null, { name: 'named' })).resolves.toBe('named, awaited')
      await expect(pool.execute(null, { name: 'plain' })).resolves.toBe('plain')
      await expect(pool.execute(5)).resolves.toEqual({ doubled: 10, inits: 1 })
    } finally {
      await pool.dispose()
    }
  })

  test('an ES module in a .js file that initializes with top-level await', async () => {
    const pool = new ParallelProcessor(1, { filename: fixture('esm-package/top-level-await.js') })
    try {
      await expect(pool.execute(1)).resolves.toEqual({ n: 1, inits: 1 })
      await expect(pool.execute(2)).resolves.toEqual({ n: 2, inits: 1 })
    } finally {
      await pool.dispose()
    }
  })

  test('a promise that rejects is a start failure: WorkerStartError whose cause is the rejection', async () => {
    const pool = new ParallelProcessor(1, { filename: fixture('promised/rejects.js') })
    try {
      const errors = await Promise.all([pool.execute(1), pool.execute(2)].map((p) => p.catch((e) => e)))
      for (const error of errors) {
        expect(error).toBeInstanceOf(WorkerStartError)
        expect(error.code).toBe('ERR_WORKER_START')
        expect(error.cause).toMatchObject({ message: 'init failed', code: 'E_INIT' })
      }
      expect(pool.stats().completed).toBe(0)
    } finally {
      await pool.dispose()
    }
  })

  test.each([['CommonJS', 'promised/rejects-once.js'], ['an ES module in a .js file', 'esm-package/rejects-once.js']])(
    '%s as a per-task module: a rejection fails that task only, and the next task loads the module afresh',
    async (_, file) => {
      const pool = await readyPool({ workers: 1 })
      try {
        const error = await pool.execute(null, { filename: fixture(file) }).catch((e) => e)
        expect(error).toBeInstanceOf(WorkerStartError)
        expect(error.cause.message).toBe('first load fails')
        await expect(pool.execute(null, { filename: fixture(file) })).resolves.toEqual({ load: 2 })
        await expect(pool.execute(7)).resolves.toBe(7)
        expect(pool.stats()).toMatchObject({ workersStarted: 1, crashed: 0 })
      } finally {
        await pool.dispose()
      }
    },
  )
})
