'use strict'

const { ParallelProcessor, WorkerCrashedError, WorkerStartError } = require('../pool-kind')
const { fixture, isRunning } = require('../helpers')

describe("a process worker's channel", () => {
  let pool
  afterEach(() => pool?.dispose())

  test('payloads and results of several MB, many at once on one child, all arrive whole', async () => {
    // Four tasks share the child: it writes results while more tasks are
    // being written to it, each far larger than a socket's buffer.
    pool = new ParallelProcessor(1, { filename: fixture('tasks.js'), concurrentTasksPerWorker: 4 })
    const payloads = Array.from({ length: 12 }, (_, i) => String.fromCharCode(97 + i).repeat(3 * 1024 * 1024 + i))
    const results = await Promise.all(payloads.map((data, i) => pool.execute({ data, ms: i % 3 }, { name: 'echoLater' })))
    expect(results.map((r) => r.length)).toEqual(payloads.map((p) => p.length))
    expect(results.every((r, i) => r === payloads[i])).toBe(true)
  })

  test('a child that writes garbage on its results channel is killed; only its task rejects, with the reason', async () => {
    pool = new ParallelProcessor(2, { filename: fixture('tasks.js') })
    const [broken, fine] = await Promise.allSettled([pool.execute(null, { name: 'breakProtocol' }), pool.execute(7)])
    expect(broken.reason).toBeInstanceOf(WorkerCrashedError)
    expect(broken.reason.signal).toBe('SIGKILL')
    expect(broken.reason.cause.message).toContain('unknown frame kind 99')
    expect(fine.value).toBe(7)
    await expect(pool.execute(8)).resolves.toBe(8)
  })

  test('a child that can no longer receive tasks is replaced rather than left holding them', async () => {
    pool = new ParallelProcessor(1, { filename: fixture('tasks.js') })
    await expect(pool.execute(null, { name: 'closeTaskChannel' })).resolves.toBe('closed')
    // Sent into a closed channel: the child is killed and the task rejects, rather than stay pending.
    await expect(pool.execute(5)).rejects.toMatchObject({ name: 'WorkerCrashedError', signal: 'SIGKILL' })
    // A new child serves.
    await expect(pool.execute(6)).resolves.toBe(6)
  })

  test('node options node refuses: the child never starts and tasks reject with WorkerStartError', async () => {
    pool = new ParallelProcessor(1, { filename: fixture('tasks.js'), execArgv: ['--no-such-node-option'] })
    const error = await pool.execute(1).catch((e) => e)
    expect(error).toBeInstanceOf(WorkerStartError)
    expect(error.cause.message).toMatch(/exited with code 9/)
  })

  test('a grandchild that inherited the channels does not hold up dispose()', async () => {
    pool = new ParallelProcessor(1, { filename: fixture('tasks.js') })
    const grandchild = await pool.execute(null, { name: 'spawnGrandchild' })
    try {
      const started = Date.now()
      await pool.dispose()
      expect(Date.now() - started).toBeLessThan(5000)
      expect(isRunning(grandchild)).toBe(true)
    } finally {
      process.kill(grandchild, 'SIGKILL')
    }
  })
})
