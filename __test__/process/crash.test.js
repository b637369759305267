'use strict'

const { ParallelProcessor, WorkerCrashedError, TimeoutError } = require('../pool-kind')
const { fixture, waitFor, track, isRunning, readyPool, whenReady } = require('../helpers')

describe('a child process that dies mid-task', () => {
  let pool
  afterEach(() => pool?.dispose())

  /** `kill(pid)` ends the child that runs `victim`; only that task may reject. */
  async function expectOnlyItsTaskRejected(victim, kill) {
    pool = await readyPool({ workers: 3 }, { timeoutMs: 10000, what: 'children to be ready' })
    const exits = []
    pool.on('workerExit', (event) => exits.push(event))
    const dying = victim()
    await waitFor(() => pool.running === 1, 5000, 'the victim to run')
    const { id, pid } = pool.stats().workers.find((w) => w.running === 1)
    const others = Array.from({ length: 2 }, (_, i) => pool.execute({ a: i, b: 0, ms: 300 }, { name: 'addLater' }))
    const queued = Array.from({ length: 10 }, (_, i) => pool.execute({ a: i, b: 100 }, { name: 'add' }))
    kill(pid)
    const outcomes = await track([dying, ...others, ...queued]).settled()

    const error = outcomes[0].value
    expect(error).toBeInstanceOf(WorkerCrashedError)
    expect(error.workerId).toBe(id)
    expect(outcomes.slice(1).map((o) => o.value)).toEqual([0, 1, ...Array.from({ length: 10 }, (_, i) => i + 100)])
    expect(exits).toEqual([expect.objectContaining({ id, reason: 'crash', exitCode: error.exitCode, signal: error.signal })])
    expect(isRunning(pid)).toBe(false)
    // Replaced by a new child.
    await whenReady(pool, { size: 3, timeoutMs: 10000, what: 'the replacement' })
    expect(pool.stats().workers.map((w) => w.pid)).not.toContain(pid)
    await expect(pool.execute(1)).resolves.toBe(1)
    return error
  }

  test('killed from outside with SIGKILL: WorkerCrashedError with the signal', async () => {
    const error = await expectOnlyItsTaskRejected(
      () => pool.execute(60000, { name: 'sleep' }),
      (pid) => process.kill(pid, 'SIGKILL'),
    )
    expect(error).toMatchObject({ signal: 'SIGKILL', exitCode: null })
    expect(error.message).toContain('SIGKILL')
  })

  test('a segfault: WorkerCrashedError with SIGSEGV', async () => {
    const error = await expectOnlyItsTaskRejected(() => pool.execute(null, { name: 'segfault' }), () => {})
    expect(error).toMatchObject({ signal: 'SIGSEGV', exitCode: null })
  })

  test('process.exit(5): WorkerCrashedError with exit code 5', async () => {
    const error = await expectOnlyItsTaskRejected(() => pool.execute({ code: 5, afterMs: 100 }, { name: 'exit' }), () => {})
    expect(error).toMatchObject({ exitCode: 5, signal: null })
  })
})

describe('a child process that overruns its deadline', () => {
  test('is stopped with SIGTERM; the task rejects on time, not when the child is gone', async () => {
    const pool = await readyPool({ workers: 1 }, { timeoutMs: 10000, what: 'the child to be ready' })
    try {
      const { pid } = pool.stats().workers[0]
      const exited = new Promise((resolve) => pool.once('workerExit', resolve))
      const started = Date.now()
      await expect(pool.execute(null, { name: 'spin', timeoutMs: 300 })).rejects.toBeInstanceOf(TimeoutError)
      const elapsed = Date.now() - started
      expect(elapsed).toBeGreaterThanOrEqual(290)
      expect(elapsed).toBeLessThan(1500)
      expect(await exited).toMatchObject({ reason: 'timeout', signal: 'SIGTERM' })
      expect(isRunning(pid)).toBe(false)
      await expect(pool.execute(2)).resolves.toBe(2)
    } finally {
      await pool.dispose()
    }
  })

  test('a child that ignores SIGTERM is killed after the grace, and its task does not wait for that', async () => {
    const pool = new ParallelProcessor(1, { filename: fixture('tasks.js') })
    try {
      const exited = new Promise((resolve) => pool.once('workerExit', resolve))
      const started = Date.now()
      await expect(pool.execute(null, { name: 'spinIgnoringSigterm', timeoutMs: 300 })).rejects.toBeInstanceOf(TimeoutError)
      // Rejected at the deadline; the kill comes a grace (1 s) later.
      expect(Date.now() - started).toBeLessThan(1000)
      expect(await exited).toMatchObject({ reason: 'timeout', signal: 'SIGKILL' })
      expect(Date.now() - started).toBeGreaterThanOrEqual(1000)
      await expect(pool.execute(3)).resolves.toBe(3)
    } finally {
      await pool.dispose()
    }
  })
})
