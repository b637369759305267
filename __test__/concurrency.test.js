'use strict'

const { WorkerCrashedError, AbortError } = require('./pool-kind')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { waitFor, readyPool } = require('./helpers')

describe('concurrentTasksPerWorker', () => {
  test('a worker runs that many async tasks at once, and no more', async () => {
    const pool = await readyPool({ workers: 1, concurrentTasksPerWorker: 4 })
    try {
      const most = await Promise.all(Array.from({ length: 12 }, () => pool.execute(100, { name: 'overlap' })))
      expect(Math.max(...most)).toBe(4)
      expect(pool.stats()).toMatchObject({ completed: 12, workersStarted: 1 })
    } finally {
      await pool.dispose()
    }
  })

  test('one task per worker by default', async () => {
    const pool = await readyPool({ workers: 1 })
    try {
      const most = await Promise.all(Array.from({ length: 3 }, () => pool.execute(50, { name: 'overlap' })))
      expect(Math.max(...most)).toBe(1)
    } finally {
      await pool.dispose()
    }
  })

  test("a crash rejects exactly the crashed worker's tasks; queued tasks run on the replacement", async () => {
    const pool = await readyPool({ workers: 1, concurrentTasksPerWorker: 3 })
    try {
      const running = [
        pool.execute(5000, { name: 'sleep' }).catch((e) => e),
        pool.execute(5000, { name: 'sleep' }).catch((e) => e),
        pool.execute({ code: 6, afterMs: 100 }, { name: 'exit' }).catch((e) => e),
      ]
      const queued = pool.execute(7)
      const errors = await Promise.all(running)
      expect(errors.every((e) => e instanceof WorkerCrashedError && e.exitCode === 6)).toBe(true)
      await expect(queued).resolves.toBe(7)
      expect(pool.stats().crashed).toBe(3)
    } finally {
      await pool.dispose()
    }
  })

  test("an aborted task on a shared worker rejects at once, its ctx.signal aborts, and the worker is not terminated", async () => {
    const pool = await readyPool({ workers: 1, concurrentTasksPerWorker: 2 })
    const exits = []
    pool.on('workerExit', (event) => exits.push(event))
    try {
      const controller = new AbortController()
      const startedFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'pp-abort-')), 'started')
      const waiting = pool.execute({ startedFile }, { name: 'untilAborted', signal: controller.signal }).catch((e) => e)
      const neighbour = pool.execute(200, { name: 'sleep' })
      // Running in the worker, not only assigned to it.
      await waitFor(() => fs.existsSync(startedFile), 5000, 'the handler to start')
      controller.abort('enough')
      const error = await waiting
      expect(error).toBeInstanceOf(AbortError)
      expect(error.cause).toBe('enough')
      await expect(neighbour).resolves.toBe(200)
      await expect(pool.execute(null, { name: 'abortsSeen' })).resolves.toBe(1)
      expect(exits).toEqual([])
      expect(pool.stats()).toMatchObject({ aborted: 1, workersStarted: 1 })
    } finally {
      await pool.dispose()
    }
  })
})
