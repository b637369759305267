'use strict'

const { ParallelProcessor, DisposedError } = require('./pool-kind')
const { fixture, waitFor, track, threadCount } = require('./helpers')

describe('dispose', () => {
  test('rejects every queued and running task at once, stops the workers, and refuses later tasks', async () => {
    const pool = new ParallelProcessor(2, { filename: fixture('tasks.js') })
    const exits = []
    pool.on('workerExit', (event) => exits.push(event))
    const tasks = track([
      ...Array.from({ length: 2 }, () => pool.execute(10000, { name: 'sleep' })),
      ...Array.from({ length: 10 }, (_, i) => pool.execute(i)),
    ])
    await waitFor(() => pool.running === 2, 5000, 'two running tasks')
    const started = Date.now()
    await pool.dispose()
    const outcomes = await tasks.settled(1000)
    // It did not wait for the 10 s tasks.
    expect(Date.now() - started).toBeLessThan(5000)
    for (const outcome of outcomes) {
      expect(outcome.status).toBe('rejected')
      expect(outcome.value).toBeInstanceOf(DisposedError)
      expect(outcome.value.code).toBe('ERR_PROCESSOR_DISPOSED')
    }
    expect(pool.size).toBe(0)
    expect(pool.disposed).toBe(true)
    expect(exits.map((e) => e.reason)).toEqual(['dispose', 'dispose'])
    await expect(pool.execute(1)).rejects.toBeInstanceOf(DisposedError)
    await expect(pool.dispose()).resolves.toBeUndefined()
    expect(pool.stats()).toMatchObject({ queued: 0, running: 0, workers: [] })
  })

  test('dispose right after construction, while workers are still starting', async () => {
    const before = threadCount()
    const pool = new ParallelProcessor(3, { filename: fixture('tasks.js') })
    const task = pool.execute(1).catch((e) => e)
    await pool.dispose()
    expect(await task).toBeInstanceOf(DisposedError)
    expect(pool.size).toBe(0)
    // A child's reader and waiter threads end just after its exit is
    // reported: none is left behind for good.
    await waitFor(() => threadCount() <= before, 5000, 'the threads of the stopped workers to end')
  })

  test('close() lets queued and running tasks finish, then refuses newcomers', async () => {
    const pool = new ParallelProcessor(2, { filename: fixture('tasks.js') })
    const tasks = Array.from({ length: 8 }, (_, i) => pool.execute({ a: i, b: 0, ms: 50 }, { name: 'addLater' }))
    const closing = pool.close()
    await expect(pool.execute(1)).rejects.toBeInstanceOf(DisposedError)
    expect(await Promise.all(tasks)).toEqual([0, 1, 2, 3, 4, 5, 6, 7])
    await closing
    expect(pool.disposed).toBe(true)
    expect(pool.size).toBe(0)
    await expect(pool.execute(1)).rejects.toBeInstanceOf(DisposedError)
  })

  test('close({ timeoutMs }) falls back to dispose for tasks that take too long', async () => {
    const pool = new ParallelProcessor(1, { filename: fixture('tasks.js') })
    const quick = pool.execute(1)
    const stuck = pool.execute(null, { name: 'spin' }).catch((e) => e)
    await expect(quick).resolves.toBe(1)
    await pool.close({ timeoutMs: 200 })
    expect(await stuck).toBeInstanceOf(DisposedError)
    expect(pool.size).toBe(0)
  })

  test('close({ force: true }) rejects queued tasks at once and lets running ones finish', async () => {
    const pool = new ParallelProcessor(2, { filename: fixture('tasks.js') })
    const exits = []
    pool.on('workerExit', (event) => exits.push(event))
    const running = Array.from({ length: 2 }, (_, i) => pool.execute({ a: i, b: 10, ms: 1500 }, { name: 'addLater' }))
    const runningOutcomes = track(running).outcomes
    await waitFor(() => pool.running === 2, 10000, 'two running tasks')
    const queued = track(Array.from({ length: 6 }, (_, i) => pool.execute(i)))
    expect(pool.queueSize).toBe(6)
    const closing = pool.close({ force: true })
    const outcomes = await queued.settled(1000)
    for (const outcome of outcomes) {
      expect(outcome.status).toBe('rejected')
      expect(outcome.value).toBeInstanceOf(DisposedError)
    }
    // Rejected at once: the running tasks are still running.
    expect(runningOutcomes.map((o) => o.status)).toEqual(['pending', 'pending'])
    expect(pool.queueSize).toBe(0)
    await expect(pool.execute(1)).rejects.toBeInstanceOf(DisposedError)
    expect(await Promise.all(running)).toEqual([10, 11])
    await closing
    expect(pool.disposed).toBe(true)
    expect(pool.size).toBe(0)
    // The running tasks finished on their own workers, which left with the pool.
    expect(exits.map((e) => e.reason)).toEqual(['dispose', 'dispose'])
  })

  test('close({ force: true }) during a close() drops what still waits; what a starting worker will take runs', async () => {
    const pool = new ParallelProcessor(1, { filename: fixture('tasks.js') })
    const running = pool.execute(300, { name: 'sleep' })
    await waitFor(() => pool.running === 1, 10000, 'a running task')
    const queued = pool.execute(1).catch((e) => e)
    const closing = pool.close({ timeoutMs: 20000 })
    expect(pool.close({ force: true })).toBe(closing)
    expect(await queued).toBeInstanceOf(DisposedError)
    await expect(running).resolves.toBe(300)
    await closing

    // Its worker still starting: the task it will take first counts as
    // started (the worker starts for it) and runs; the next is dropped.
    const starting = new ParallelProcessor(1, { filename: fixture('tasks.js') })
    const first = starting.execute(50, { name: 'sleep' })
    const second = starting.execute(1).catch((e) => e)
    await starting.close({ force: true, timeoutMs: Infinity })
    await expect(first).resolves.toBe(50)
    expect(await second).toBeInstanceOf(DisposedError)
    expect(starting.disposed).toBe(true)
  })

  test.each([
    ['a non-boolean force', { force: 1 }, TypeError, 'ERR_INVALID_ARG_TYPE'],
    ['an unknown option', { forced: true }, TypeError, 'ERR_INVALID_ARG_VALUE'],
    ['a negative timeoutMs', { timeoutMs: -1 }, RangeError, 'ERR_OUT_OF_RANGE'],
  ])('close() with %s rejects and leaves the pool open', async (_, options, ErrorClass, code) => {
    const pool = new ParallelProcessor(1, { filename: fixture('tasks.js') })
    try {
      const refused = await pool.close(options).catch((e) => e)
      expect(refused).toBeInstanceOf(ErrorClass)
      expect(refused.code).toBe(code)
      await expect(pool.execute(2)).resolves.toBe(2)
    } finally {
      await pool.dispose()
    }
  })

  test('close() settles when dispose() ends it early', async () => {
    const pool = new ParallelProcessor(1, { filename: fixture('tasks.js') })
    const running = pool.execute(10000, { name: 'sleep' }).catch((e) => e)
    const closing = pool.close({ timeoutMs: 20000 })
    const started = Date.now()
    await pool.dispose()
    await closing
    expect(Date.now() - started).toBeLessThan(2000)
    expect(await running).toBeInstanceOf(DisposedError)
  })

  test('dispose() from an event listener waits for every worker', async () => {
    const pool = new ParallelProcessor(3, { filename: fixture('tasks.js') })
    const created = []
    let disposing
    pool.on('workerCreate', ({ id }) => {
      created.push(id)
      disposing ??= pool.dispose()
    })
    await new Promise((resolve) => setImmediate(resolve))
    expect(created).toHaveLength(3) // the initial workers are observable
    await disposing
    expect(pool.stats().workers).toEqual([])
    expect(pool.size).toBe(0)
  })

  test('Symbol.asyncDispose disposes', async () => {
    const pool = new ParallelProcessor(1, { filename: fixture('tasks.js') })
    const pending = pool.execute(10000, { name: 'sleep' }).catch((e) => e)
    const asyncDispose = Symbol.asyncDispose ?? Symbol.for('nodejs.asyncDispose')
    await pool[asyncDispose]()
    expect(await pending).toBeInstanceOf(DisposedError)
    expect(pool.disposed).toBe(true)
  })
})
