'use strict'

/**
 * A worker that runs several tasks at once (`concurrentTasksPerWorker`) is
 * not terminated when one of them is aborted or times out: its other tasks
 * carry on if its event loop turns. If the loop does not turn within
 * `abortGraceMs` (a handler that spins and ignores its signal), the worker is
 * terminated and replaced, and its other tasks end as a crash ends them.
 */
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { AbortError, TimeoutError, WorkerCrashedError } = require('./pool-kind')
const { waitFor, readyPool } = require('./helpers')

const GRACE_MS = 300

/** A pool of one worker that runs two tasks at once, with the exits it reports. */
async function sharedPool(options = {}) {
  const pool = await readyPool({ workers: 1, concurrentTasksPerWorker: 2, abortGraceMs: GRACE_MS, ...options })
  const exits = []
  pool.on('workerExit', (event) => exits.push(event))
  return { pool, exits }
}

/**
 * Starts `name` and resolves once its handler runs (it writes a file), with
 * `{ outcome }`: a promise of `{ value }` or `{ error }`.
 */
async function started(pool, name, options = {}) {
  const startedFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'pp-grace-')), 'started')
  const outcome = pool.execute({ startedFile }, { name, ...options }).then((value) => ({ value }), (error) => ({ error }))
  await waitFor(() => fs.existsSync(startedFile), 10000, `${name} to start`)
  return { outcome }
}

describe('a shared worker after an abort or a timeout', () => {
  test('whose handler awaits and ignores its signal keeps serving: its neighbour completes, nothing restarts', async () => {
    const { pool, exits } = await sharedPool()
    try {
      const neighbour = pool.execute(400, { name: 'sleep' })
      const controller = new AbortController()
      const { outcome: ignoring } = await started(pool, 'markThenIgnoreAbort', { signal: controller.signal })
      controller.abort('enough')
      const { error } = await ignoring
      expect(error).toBeInstanceOf(AbortError)
      await expect(neighbour).resolves.toBe(400)
      // Well past the grace, the same worker still takes and runs tasks.
      await new Promise((resolve) => setTimeout(resolve, GRACE_MS * 2))
      await expect(pool.execute(5)).resolves.toBe(5)
      expect(exits).toEqual([])
      expect(pool.stats().workers).toMatchObject([{ restarts: 0 }])
    } finally {
      await pool.dispose()
    }
  })

  test('whose handler spins is terminated after the grace: its neighbour crashes, the replacement serves', async () => {
    const { pool, exits } = await sharedPool()
    try {
      const neighbour = pool.execute(5000, { name: 'sleep' }).catch((e) => e)
      const controller = new AbortController()
      const { outcome: spinning } = await started(pool, 'markThenSpin', { signal: controller.signal })
      const abortedAt = Date.now()
      controller.abort('enough')
      expect((await spinning).error).toBeInstanceOf(AbortError)
      const crash = await neighbour
      expect(crash).toBeInstanceOf(WorkerCrashedError)
      expect(Date.now() - abortedAt).toBeGreaterThanOrEqual(GRACE_MS - 20)
      expect(exits.map((exit) => exit.reason)).toEqual(['abort'])
      await expect(pool.execute(6)).resolves.toBe(6)
      expect(pool.stats().workers).toMatchObject([{ restarts: 1 }])
    } finally {
      await pool.dispose()
    }
  })

  test('whose handler spins: a neighbour with retries runs again on the replacement', async () => {
    const { pool } = await sharedPool()
    try {
      const neighbour = pool.execute({ data: 'again', ms: 1000 }, { name: 'echoLater', retries: 1 }).catch((e) => e)
      const controller = new AbortController()
      // The neighbour is assigned with the spinner: both are the worker's.
      const { outcome: spinning } = await started(pool, 'markThenSpin', { signal: controller.signal })
      controller.abort()
      expect((await spinning).error).toBeInstanceOf(AbortError)
      await expect(neighbour).resolves.toBe('again')
      expect(pool.stats()).toMatchObject({ retried: 1, crashed: 0 })
    } finally {
      await pool.dispose()
    }
  })

  test('a timeout spares the neighbour of an awaiting handler, and terminates a spinning one after the grace', async () => {
    const { pool, exits } = await sharedPool()
    try {
      const neighbour = pool.execute(600, { name: 'sleep' })
      const { outcome: ignoring } = await started(pool, 'markThenIgnoreAbort', { timeoutMs: 100 })
      expect((await ignoring).error).toBeInstanceOf(TimeoutError)
      await expect(neighbour).resolves.toBe(600)
      expect(exits).toEqual([])

      const second = pool.execute(5000, { name: 'sleep' }).catch((e) => e)
      const { outcome: spinning } = await started(pool, 'markThenSpin', { timeoutMs: 100 })
      expect((await spinning).error).toBeInstanceOf(TimeoutError)
      expect(await second).toBeInstanceOf(WorkerCrashedError)
      expect(exits.map((exit) => exit.reason)).toEqual(['timeout'])
    } finally {
      await pool.dispose()
    }
  })

  test('abortGraceMs: 0 terminates the worker at once, as with one task per worker', async () => {
    const { pool, exits } = await sharedPool({ abortGraceMs: 0 })
    try {
      const neighbour = pool.execute(5000, { name: 'sleep' }).catch((e) => e)
      const controller = new AbortController()
      const { outcome: ignoring } = await started(pool, 'markThenIgnoreAbort', { signal: controller.signal })
      controller.abort()
      expect((await ignoring).error).toBeInstanceOf(AbortError)
      expect(await neighbour).toBeInstanceOf(WorkerCrashedError)
      expect(exits.map((exit) => exit.reason)).toEqual(['abort'])
    } finally {
      await pool.dispose()
    }
  })

  test.each([
    ['a string', '1000', TypeError, 'ERR_INVALID_ARG_TYPE'],
    ['a negative number', -1, RangeError, 'ERR_OUT_OF_RANGE'],
    ['NaN', NaN, RangeError, 'ERR_OUT_OF_RANGE'],
  ])('abortGraceMs as %s is refused', async (_, value, Class, code) => {
    const { ParallelProcessor } = require('./pool-kind')
    let error
    try {
      new ParallelProcessor({ workers: 1, abortGraceMs: value })
    } catch (caught) {
      error = caught
    }
    expect(error).toBeInstanceOf(Class)
    expect(error.code).toBe(code)
  })
})
