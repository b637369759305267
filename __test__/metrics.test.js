'use strict'

const { KIND } = require('./pool-kind')
const { readyPool, whenReady } = require('./helpers')

describe('metrics', () => {
  test('stats() summarizes wait and run times and utilization', async () => {
    const pool = await readyPool({ workers: 1 })
    try {
      await Promise.all([pool.execute(60, { name: 'sleep' }), pool.execute(60, { name: 'sleep' })])
      const { waitTime, runTime, utilization, workers } = pool.stats()
      expect(runTime.count).toBe(2)
      expect(runTime.p50).toBeGreaterThanOrEqual(50)
      expect(runTime.max).toBeGreaterThanOrEqual(runTime.p50)
      expect(runTime.mean).toBeGreaterThanOrEqual(50)
      // The second waited for the first.
      expect(waitTime.count).toBe(2)
      expect(waitTime.max).toBeGreaterThanOrEqual(50)
      for (const summary of [waitTime, runTime]) {
        expect(Object.keys(summary).sort()).toEqual(['count', 'max', 'mean', 'min', 'p50', 'p90', 'p99', 'stddev'])
        expect(summary.min).toBeGreaterThanOrEqual(0)
        expect(summary.min).toBeLessThanOrEqual(summary.p50)
        expect(summary.p50).toBeLessThanOrEqual(summary.max)
        expect(summary.min).toBeLessThanOrEqual(summary.mean)
        expect(summary.mean).toBeLessThanOrEqual(summary.max)
        expect(summary.stddev).toBeGreaterThanOrEqual(0)
        // Two durations deviate from their mean by half their distance.
        expect(summary.stddev).toBeCloseTo((summary.max - summary.min) / 2, 6)
      }
      // Both slept about 60 ms.
      expect(runTime.min).toBeGreaterThanOrEqual(50)
      expect(utilization).toBeGreaterThan(0)
      expect(utilization).toBeLessThanOrEqual(1)
      expect(workers[0]).toMatchObject({ tasksSinceStart: 2, restarts: 0 })
    } finally {
      await pool.dispose()
    }
  })

  test('a replacement counts the restarts of its place in the pool', async () => {
    const pool = await readyPool({ workers: 1 })
    try {
      await pool.execute({ code: 3 }, { name: 'exit' }).catch(() => {})
      await whenReady(pool, { size: 1, what: 'the replacement' })
      expect(pool.stats().workers[0].restarts).toBe(1)
    } finally {
      await pool.dispose()
    }
  })

  test("each worker's stats have the fields of its kind, and only those", async () => {
    const pool = await readyPool({ workers: 1, maxWorkerMemoryMb: 4096 })
    try {
      await pool.execute(1)
      const [worker] = pool.stats().workers
      const common = ['id', 'state', 'running', 'completed', 'failed', 'tasksSinceStart', 'restarts']
      const own = KIND === 'thread' ? ['threadId', 'heapUsedMb'] : ['pid', 'rssMb']
      expect(Object.keys(worker).sort()).toEqual([...common, ...own].sort())
      for (const field of own) expect(worker[field]).toBeGreaterThan(0)
    } finally {
      await pool.dispose()
    }
  })
})
