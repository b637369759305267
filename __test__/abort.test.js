'use strict'

const { ParallelProcessor, AbortError } = require('./pool-kind')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { getEventListeners } = require('node:events')
const { fixture, waitFor, readyPool, whenReady } = require('./helpers')

describe('abort', () => {
  test('an already aborted signal rejects at once and touches no worker', async () => {
    const pool = await readyPool({ workers: 1 })
    try {
      const controller = new AbortController()
      const reason = new Error('changed my mind')
      controller.abort(reason)
      const error = await pool.execute(1, { signal: controller.signal }).catch((e) => e)
      expect(error).toBeInstanceOf(AbortError)
      expect(error).toMatchObject({ name: 'AbortError', code: 'ABORT_ERR' })
      expect(error.cause).toBe(reason)
      expect(pool.stats()).toMatchObject({ completed: 0, aborted: 0, workersStarted: 1 })
    } finally {
      await pool.dispose()
    }
  })

  test('a queued task is removed from the queue', async () => {
    const pool = await readyPool({ workers: 1 })
    try {
      const blocker = pool.execute(300, { name: 'sleep' })
      const controller = new AbortController()
      const queued = pool.execute(1, { signal: controller.signal }).catch((e) => e)
      const after = pool.execute(2)
      expect(pool.queueSize).toBe(2)
      controller.abort('stop')
      const error = await queued
      expect(error).toBeInstanceOf(AbortError)
      expect(error.cause).toBe('stop')
      expect(pool.queueSize).toBe(1)
      await expect(Promise.all([blocker, after])).resolves.toEqual([300, 2])
      expect(pool.stats()).toMatchObject({ aborted: 1, crashed: 0, workersStarted: 1 })
      expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0)
    } finally {
      await pool.dispose()
    }
  })

  test("a running task's worker is terminated and replaced; the other worker's task completes", async () => {
    const pool = await readyPool({ workers: 2 })
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pp-spin-'))
    try {
      const exits = []
      pool.on('workerExit', (event) => exits.push(event))
      const controller = new AbortController()
      const startedFile = path.join(dir, 'started')
      const spinning = pool.execute({ startedFile }, { name: 'markThenSpin', signal: controller.signal }).catch((e) => e)
      const other = pool.execute({ a: 1, b: 2, ms: 300 }, { name: 'addLater' })
      // Running in its worker, not only assigned to it.
      await waitFor(() => fs.existsSync(startedFile) && pool.running === 2, 5000, 'both tasks running')
      controller.abort()
      expect(await spinning).toBeInstanceOf(AbortError)
      await expect(other).resolves.toBe(3)
      await waitFor(() => exits.length === 1, 5000, 'the aborted worker to exit')
      expect(exits[0].reason).toBe('abort')
      await whenReady(pool, { size: 2, what: 'the replacement' })
      expect(pool.stats()).toMatchObject({ aborted: 1, running: 0, crashed: 0 })
    } finally {
      await pool.dispose()
      fs.rmSync(dir, { recursive: true, force: true })
    }
  })

  test('a signal that aborts after its task settled changes nothing, and its listener is gone', async () => {
    const pool = await readyPool({ workers: 1 })
    try {
      const controller = new AbortController()
      await expect(pool.execute(7, { signal: controller.signal })).resolves.toBe(7)
      expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0)
      controller.abort()
      await expect(pool.execute(8)).resolves.toBe(8)
      expect(pool.stats()).toMatchObject({ aborted: 0, workersStarted: 1 })
    } finally {
      await pool.dispose()
    }
  })

  test('a signal that is not an AbortSignal is refused', async () => {
    const pool = new ParallelProcessor(1, { filename: fixture('tasks.js') })
    try {
      await expect(pool.execute(1, { signal: { aborted: 'no' } })).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_TYPE' })
    } finally {
      await pool.dispose()
    }
  })
})
