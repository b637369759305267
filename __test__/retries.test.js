'use strict'

const { WorkerCrashedError, TimeoutError } = require('./pool-kind')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { readyPool } = require('./helpers')

describe('retries', () => {
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
