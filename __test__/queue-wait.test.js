'use strict'

const { ParallelProcessor, QueueTimeoutError } = require('./pool-kind')
const { fixture, readyPool } = require('./helpers')

describe('maxQueueWaitMs', () => {
  test('a task that has not started in time rejects with QueueTimeoutError; running and later tasks are unaffected', async () => {
    const pool = await readyPool({ workers: 1, maxQueueWaitMs: 100 })
    try {
      const started = Date.now()
      const running = pool.execute(400, { name: 'sleep' })
      const waiting = Array.from({ length: 3 }, (_, i) => pool.execute(i).catch((e) => ({ error: e, ms: Date.now() - started })))
      for (const { error, ms } of await Promise.all(waiting)) {
        expect(error).toBeInstanceOf(QueueTimeoutError)
        expect(error).toMatchObject({ code: 'ERR_QUEUE_TIMEOUT', maxQueueWaitMs: 100 })
        expect(ms).toBeGreaterThanOrEqual(90)
        expect(ms).toBeLessThan(390) // well before the running task ends
      }
      expect(pool.queueSize).toBe(0)
      await expect(running).resolves.toBe(400)
      await expect(pool.execute(5)).resolves.toBe(5)
      expect(pool.stats()).toMatchObject({ queueTimedOut: 3, completed: 2, queued: 0, running: 0 })
    } finally {
      await pool.dispose()
    }
  })

  test('a task that starts in time is not affected, however long it runs', async () => {
    const pool = await readyPool({ workers: 1, maxQueueWaitMs: 300 })
    try {
      const tasks = [pool.execute(100, { name: 'sleep' }), pool.execute(400, { name: 'sleep' })]
      await expect(Promise.all(tasks)).resolves.toEqual([100, 400])
      expect(pool.stats().queueTimedOut).toBe(0)
    } finally {
      await pool.dispose()
    }
  })

  test('a negative maxQueueWaitMs is refused', () => {
    expect(() => new ParallelProcessor({ workers: 1, filename: fixture('tasks.js'), maxQueueWaitMs: -1 })).toThrow(
      expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }),
    )
  })
})
