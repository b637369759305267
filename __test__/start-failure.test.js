'use strict'

const { ParallelProcessor, WorkerStartError } = require('parallel-processor')
const { fixture } = require('./helpers')

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
      // Without back-off a failing start is retried in a tight loop (dozens
      // per second); with it, a handful of attempts in 1.5 s.
      starts = 0
      await new Promise((resolve) => setTimeout(resolve, 1500))
      expect(starts).toBeLessThanOrEqual(8)
      // A new task does not wait out the back-off.
      const late = Date.now()
      await expect(pool.execute(1)).rejects.toBeInstanceOf(WorkerStartError)
      expect(Date.now() - late).toBeLessThan(3000)
    } finally {
      await pool.dispose()
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
