'use strict'

const { ParallelProcessor } = require('./pool-kind')
const { fixture, waitFor, sleep } = require('./helpers')

describe('dynamic size', () => {
  test('minWorkers 0: an idle pool has no worker, a task starts one, and it leaves when idle', async () => {
    const pool = new ParallelProcessor({ filename: fixture('tasks.js'), minWorkers: 0, maxWorkers: 2, idleTimeoutMs: 100 })
    const exits = []
    pool.on('workerExit', (event) => exits.push(event))
    try {
      expect(pool.size).toBe(0)
      await expect(pool.execute(1)).resolves.toBe(1)
      expect(pool.stats().workersStarted).toBe(1)
      await waitFor(() => pool.size === 0 && exits.length === 1, 5000, 'the idle worker to leave')
      expect(exits.map((e) => e.reason)).toEqual(['idle'])
      // The next task starts a worker again.
      await expect(pool.execute(2)).resolves.toBe(2)
    } finally {
      await pool.dispose()
    }
  })

  test('grows towards maxWorkers while tasks wait, shrinks back to minWorkers when idle', async () => {
    const pool = new ParallelProcessor({ filename: fixture('tasks.js'), minWorkers: 1, maxWorkers: 3, idleTimeoutMs: 150 })
    try {
      await waitFor(() => pool.size === 1, 5000, 'the first worker')
      let peak = 0
      pool.on('workerCreate', () => { peak = Math.max(peak, pool.size) })
      const results = await Promise.all(Array.from({ length: 6 }, () => pool.execute(200, { name: 'sleep' })))
      expect(results).toEqual(Array(6).fill(200))
      expect(pool.stats().workersStarted).toBe(3)
      expect(peak).toBe(3)
      await waitFor(() => pool.size === 1, 5000, 'the pool to shrink to minWorkers')
      // Time left to pass on purpose, twice the idle timeout: the last worker does not leave.
      await sleep(300)
      expect(pool.size).toBe(1) // never below minWorkers
    } finally {
      await pool.dispose()
    }
  })

  test.each([
    ['minWorkers above maxWorkers', { minWorkers: 3, maxWorkers: 2 }, RangeError, 'ERR_OUT_OF_RANGE'],
    ['workers with minWorkers', { workers: 2, minWorkers: 1 }, TypeError, 'ERR_INVALID_ARG_VALUE'],
    ['maxWorkers 0', { maxWorkers: 0 }, RangeError, 'ERR_OUT_OF_RANGE'],
    ['a negative idleTimeoutMs', { minWorkers: 0, idleTimeoutMs: -1 }, RangeError, 'ERR_OUT_OF_RANGE'],
  ])('%s is refused', (_, options, ErrorClass, code) => {
    let thrown
    try {
      new ParallelProcessor({ filename: fixture('tasks.js'), ...options })
    } catch (error) {
      thrown = error
    }
    expect(thrown).toBeInstanceOf(ErrorClass)
    expect(thrown.code).toBe(code)
  })
})
