'use strict'

const { ParallelProcessor, TimeoutError } = require('./pool-kind')
const { fixture, waitFor, readyPool, whenReady } = require('./helpers')

describe('timeouts', () => {
  let pool
  afterEach(() => pool?.dispose())

  test('a spinning task rejects with TimeoutError on time; its worker is replaced; others complete', async () => {
    pool = await readyPool({ workers: 2 })
    const exits = []
    pool.on('workerExit', (event) => exits.push(event))
    const spinnerWorker = pool.stats().workers.map((w) => w.id)

    const started = Date.now()
    const spinning = pool.execute(null, { name: 'spin', timeoutMs: 200 }).catch((e) => ({ error: e, ms: Date.now() - started }))
    const other = pool.execute({ a: 1, b: 2, ms: 400 }, { name: 'addLater' })

    const { error, ms } = await spinning
    expect(error).toBeInstanceOf(TimeoutError)
    expect(error.code).toBe('ERR_TASK_TIMEOUT')
    expect(error.timeoutMs).toBe(200)
    expect(ms).toBeGreaterThanOrEqual(190)
    expect(ms).toBeLessThan(1000)
    await expect(other).resolves.toBe(3)

    await waitFor(() => exits.length === 1 && pool.size === 2, 5000, 'the replacement')
    expect(exits[0].reason).toBe('timeout')
    expect(spinnerWorker).toContain(exits[0].id)
    await whenReady(pool, { size: 2, what: 'the replacement to be ready' })
    const stats = pool.stats()
    expect(stats).toMatchObject({ queued: 0, running: 0, timedOut: 1, completed: 1 })
    expect(stats.workers.every((w) => w.running === 0)).toBe(true)
    expect([pool.running, pool.queueSize]).toEqual([0, 0])
    await expect(pool.execute(5)).resolves.toBe(5)
  })

  test('taskTimeoutMs is the default; execute() overrides it', async () => {
    pool = new ParallelProcessor(1, { filename: fixture('tasks.js'), taskTimeoutMs: 150 })
    await expect(pool.execute(null, { name: 'spin' })).rejects.toMatchObject({ name: 'TimeoutError', timeoutMs: 150 })
    await expect(pool.execute(300, { name: 'sleep', timeoutMs: 2000 })).resolves.toBe(300)
    await expect(pool.execute(300, { name: 'sleep', timeoutMs: 0 })).resolves.toBe(300)
  })

  test('an infinite timeout means none; a fractional one is reported as given', async () => {
    pool = new ParallelProcessor(1, { filename: fixture('tasks.js') })
    await expect(pool.execute(50, { name: 'sleep', timeoutMs: Infinity })).resolves.toBe(50)
    await expect(pool.execute(null, { name: 'spin', timeoutMs: 20.5 })).rejects.toMatchObject({ timeoutMs: 20.5 })
  })

  test('taskTimeoutMs counts running time, not time in the queue', async () => {
    pool = new ParallelProcessor(1, { filename: fixture('tasks.js'), taskTimeoutMs: 400 })
    // Each runs 250 ms; the last waits 750 ms in the queue first.
    const results = await Promise.all([250, 250, 250, 250].map((ms) => pool.execute(ms, { name: 'sleep' })))
    expect(results).toEqual([250, 250, 250, 250])
    expect(pool.stats().timedOut).toBe(0)
  })
})
