'use strict'

const { ParallelProcessor, QueueTimeoutError } = require('./pool-kind')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { fixture, waitFor, readyPool, whenReady } = require('./helpers')

describe('priorities', () => {
  test('higher priority starts first, first in first out within a priority', async () => {
    const pool = await readyPool({ workers: 1 })
    try {
      const blocker = pool.execute(200, { name: 'sleep' })
      const order = []
      const queued = [['a', 0], ['b', -1], ['c', 5], ['d', 5], ['e', 2], ['f', 0]].map(([label, priority]) =>
        pool.execute(label, { priority }).then((value) => order.push(value)))
      await Promise.all([blocker, ...queued])
      expect(order).toEqual(['c', 'd', 'e', 'a', 'f', 'b'])
    } finally {
      await pool.dispose()
    }
  })

  test.each([
    [1.5, RangeError, 'ERR_OUT_OF_RANGE'],
    [2 ** 31, RangeError, 'ERR_OUT_OF_RANGE'],
    ['high', TypeError, 'ERR_INVALID_ARG_TYPE'],
  ])('priority %p is refused', async (priority, ErrorClass, code) => {
    const pool = new ParallelProcessor(1, { filename: fixture('tasks.js') })
    try {
      const error = await pool.execute(1, { priority }).catch((e) => e)
      expect(error).toBeInstanceOf(ErrorClass)
      expect(error.code).toBe(code)
      await expect(pool.execute(1, { priority: -3 })).resolves.toBe(1)
    } finally {
      await pool.dispose()
    }
  })
})

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

describe('abort', () => {
  const { AbortError } = require('./pool-kind')
  const { getEventListeners } = require('node:events')

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
    try {
      const exits = []
      pool.on('workerExit', (event) => exits.push(event))
      const controller = new AbortController()
      const startedFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'pp-spin-')), 'started')
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

describe('retries', () => {
  const { WorkerCrashedError, TimeoutError } = require('./pool-kind')
  let dir
  beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pp-retry-')) })
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }))

  test('a task whose worker crashes runs again, and its caller sees only the success', async () => {
    const pool = await readyPool({ workers: 2 })
    try {
      const file = path.join(dir, 'runs')
      await expect(pool.execute({ file, attempts: 3 }, { name: 'crashUntil', retries: 2 })).resolves.toBe(3)
      expect(pool.stats()).toMatchObject({ retried: 2, crashed: 0, failed: 0, completed: 1 })
    } finally {
      await pool.dispose()
    }
  })

  test('when retries run out, the final error says how many attempts were made', async () => {
    const pool = await readyPool({ workers: 2 })
    try {
      const file = path.join(dir, 'runs')
      const error = await pool.execute({ file, attempts: 10 }, { name: 'crashUntil', retries: 1 }).catch((e) => e)
      expect(error).toBeInstanceOf(WorkerCrashedError)
      expect(error).toMatchObject({ attempts: 2, exitCode: 4 })
      expect(error.message).toContain('2 attempts')
      expect(fs.readFileSync(file, 'utf8')).toBe('2')

      const timedOut = await pool.execute(null, { name: 'spin', timeoutMs: 100, retries: 1 }).catch((e) => e)
      expect(timedOut).toBeInstanceOf(TimeoutError)
      expect(timedOut.attempts).toBe(2)
    } finally {
      await pool.dispose()
    }
  })

  test("a handler's own throw is never retried", async () => {
    const pool = await readyPool({ workers: 1 })
    try {
      await expect(pool.execute('no', { name: 'throwTypeError', retries: 3 })).rejects.toBeInstanceOf(TypeError)
      expect(pool.stats().retried).toBe(0)
      await expect(pool.execute(1, { retries: -1 })).rejects.toMatchObject({ code: 'ERR_OUT_OF_RANGE' })
    } finally {
      await pool.dispose()
    }
  })
})

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
