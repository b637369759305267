'use strict'

/**
 * A payload with shared memory (or a port, or a transfer) travels on a
 * worker's side channel. When a worker is idle or starting at `execute()`
 * time, the payload is handed to it before `execute()` returns: a caller
 * that then blocks its own thread (here in `Atomics.wait`, waiting for the
 * worker) is not waiting for its own event loop to send it.
 */
const { ParallelProcessor } = require('../pool-kind')
const { fixture, readyPool, whenReady } = require('../helpers')

/** How the worker that takes the task is found at `execute()` time. */
const POOLS = {
  idle: () => readyPool({ workers: 1 }),
  'still starting': () => new ParallelProcessor({ workers: 1, filename: fixture('tasks.js') }),
  'started for this very task': () => new ParallelProcessor({ minWorkers: 0, maxWorkers: 1, filename: fixture('tasks.js') }),
}

test.each(Object.keys(POOLS))('a caller blocked in Atomics.wait right after execute() is woken by a worker %s', async (which) => {
  const pool = await POOLS[which]()
  try {
    const flags = new Int32Array(new SharedArrayBuffer(8))
    const task = pool.execute({ flags }, { name: 'notifyCaller' })
    // Blocks this thread: nothing more is sent to the worker from here.
    const woken = Atomics.wait(flags, 0, 0, 10000)
    expect(woken).not.toBe('timed-out')
    expect(Atomics.load(flags, 0)).toBe(1)
    await expect(task).resolves.toBeGreaterThanOrEqual(0)
  } finally {
    await pool.dispose()
  }
})

test('a shared payload of a task that waits behind a busy worker reaches it once the caller lets it', async () => {
  const pool = await readyPool({ workers: 1 })
  try {
    const busy = pool.execute(200, { name: 'sleep' })
    const flags = new Int32Array(new SharedArrayBuffer(8))
    const task = pool.execute({ flags }, { name: 'notifyCaller' })
    await busy
    await task
    expect(Atomics.load(flags, 0)).toBe(1)
  } finally {
    await pool.dispose()
  }
})

test('a task given to a worker still starting waits for it no longer than maxQueueWaitMs; the worker then serves', async () => {
  const pool = new ParallelProcessor({ workers: 1, filename: fixture('slow-start.js'), workerData: { loadMs: 1000 }, maxQueueWaitMs: 100 })
  try {
    // Shared memory: its payload goes to the starting worker at once.
    const shared = new Int32Array(new SharedArrayBuffer(8))
    await expect(pool.execute({ shared, n: 1 })).rejects.toMatchObject({ name: 'QueueTimeoutError', maxQueueWaitMs: 100 })
    expect(pool.stats().workers.map((w) => w.state)).toEqual(['starting'])
    expect(pool.stats()).toMatchObject({ queueTimedOut: 1, running: 0, queued: 0 })
    await whenReady(pool, { size: 1 })
    await expect(pool.execute({ shared, n: 2 })).resolves.toMatchObject({ n: 2 })
  } finally {
    await pool.dispose()
  }
})
