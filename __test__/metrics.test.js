'use strict'

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
})
