'use strict'

const { ParallelProcessor, WorkerStartError } = require('./pool-kind')
const { fixture, waitFor, sleep } = require('./helpers')

describe('a worker module that cannot load', () => {
  test.each([
    ['a syntax error', 'syntax-error.js', (cause) => expect(cause.name).toBe('SyntaxError')],
    ['a throw at load', 'throws-at-load.js', (cause) => expect(cause).toMatchObject({ message: 'refusing to load', code: 'E_LOAD' })],
  ])('%s: tasks reject with WorkerStartError within seconds and restarts back off', async (_, file, checkCause) => {
    const pool = new ParallelProcessor(2, { filename: fixture(file) })
    let starts = 0
    pool.on('workerCreate', () => starts++)
    try {
      const started = Date.now()
      const errors = await Promise.all(Array.from({ length: 5 }, (_, i) => pool.execute(i).catch((e) => e)))
      expect(Date.now() - started).toBeLessThan(5000)
      for (const error of errors) {
        expect(error).toBeInstanceOf(WorkerStartError)
        expect(error.code).toBe('ERR_WORKER_START')
        checkCause(error.cause)
      }
      // No restart loop: with no task waiting, a broken pool starts nothing (time left to pass on purpose).
      starts = 0
      await sleep(1500)
      expect(starts).toBe(0)
      // A new task fails fast, or (after the back-off) after one start attempt.
      for (let attempt = 0; attempt < 3; attempt++) {
        const late = Date.now()
        const error = await pool.execute(1).catch((e) => e)
        expect(error).toBeInstanceOf(WorkerStartError)
        checkCause(error.cause)
        expect(Date.now() - late).toBeLessThan(3000)
      }
      expect(starts).toBeLessThanOrEqual(3)
    } finally {
      await pool.dispose()
    }
  })

  test('a module fixed on disk is picked up by the next task after the back-off', async () => {
    const fs = require('node:fs')
    const os = require('node:os')
    const path = require('node:path')
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pp-fix-'))
    const file = path.join(dir, 'task.js')
    fs.writeFileSync(file, "throw new Error('not yet')\n")
    const pool = new ParallelProcessor(2, { filename: file, restartBackoffMs: { initial: 50, max: 200 } })
    const breaker = []
    pool.on('breakerOpen', ({ cause }) => breaker.push(['open', cause.message]))
    pool.on('breakerClose', () => breaker.push(['close']))
    try {
      await expect(pool.execute(1)).rejects.toBeInstanceOf(WorkerStartError)
      expect(breaker).toEqual([['open', 'not yet']])
      fs.writeFileSync(file, 'module.exports = (x) => x * 3\n')
      let result
      const deadline = Date.now() + 10000
      while (result === undefined && Date.now() < deadline) {
        result = await pool.execute(2).catch(() => undefined)
        if (result === undefined) await sleep(100)
      }
      expect(result).toBe(6)
      await waitFor(() => pool.size === 2, 5000, 'the pool back to full size')
      expect(breaker.at(-1)).toEqual(['close'])
    } finally {
      await pool.dispose()
      fs.rmSync(dir, { recursive: true, force: true })
    }
  })

  test('a per-task module that fails to load rejects that task only; the worker keeps serving', async () => {
    const pool = new ParallelProcessor(1, { filename: fixture('tasks.js') })
    try {
      const error = await pool.execute(1, { filename: fixture('throws-at-load.js') }).catch((e) => e)
      expect(error).toBeInstanceOf(WorkerStartError)
      expect(error.cause.message).toBe('refusing to load')
      await expect(pool.execute(2)).resolves.toBe(2)
      expect(pool.stats()).toMatchObject({ workersStarted: 1, crashed: 0 })
    } finally {
      await pool.dispose()
    }
  })
})
