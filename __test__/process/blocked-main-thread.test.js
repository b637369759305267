'use strict'

const { TimeoutError } = require('../pool-kind')
const { readyPool, isRunning } = require('../helpers')

/** Blocks the main thread for `ms`, calling `each()` all along. */
function busyFor(ms, each) {
  const start = Date.now()
  while (Date.now() - start < ms) each(Date.now() - start)
}

describe('process workers are stopped and started by Rust alone', () => {
  test('a child whose task times out is gone, and its replacement started, while the main thread is blocked', async () => {
    const pool = await readyPool({ workers: 1 }, { timeoutMs: 10000, what: 'the child to be ready' })
    try {
      const { pid } = pool.stats().workers[0]
      const task = pool.execute(null, { name: 'spin', timeoutMs: 300 })
      let goneAt = null
      let replacementAt = null
      // No event of the pool can be handled in JavaScript meanwhile: the kill
      // at the deadline and the start of the replacement happen in Rust.
      busyFor(2000, (elapsed) => {
        if (goneAt === null && !isRunning(pid)) goneAt = elapsed
        if (replacementAt === null && pool.stats().workers.some((w) => w.pid !== undefined && w.pid !== pid)) {
          replacementAt = elapsed
        }
      })
      expect(goneAt).not.toBeNull()
      // SIGTERM at the deadline, well before the 1 s grace would end in SIGKILL.
      expect(goneAt).toBeGreaterThanOrEqual(290)
      expect(goneAt).toBeLessThan(1200)
      expect(replacementAt).not.toBeNull()
      const error = await task.catch((e) => e)
      expect(error).toBeInstanceOf(TimeoutError)
      expect(error.timeoutMs).toBe(300)
      await expect(pool.execute(7)).resolves.toBe(7)
    } finally {
      await pool.dispose()
    }
  })

  test('dispose() signals every child at once, before the main thread returns to its loop', async () => {
    const pool = await readyPool({ workers: 2 }, { timeoutMs: 10000, what: 'the children to be ready' })
    const pids = pool.stats().workers.map((w) => w.pid)
    const tasks = pids.map(() => pool.execute(null, { name: 'spin' }).catch((e) => e))
    const disposed = pool.dispose()
    let allGoneAt = null
    busyFor(1500, (elapsed) => {
      if (allGoneAt === null && pids.every((pid) => !isRunning(pid))) allGoneAt = elapsed
    })
    expect(allGoneAt).not.toBeNull()
    expect(allGoneAt).toBeLessThan(1000)
    await disposed
    for (const error of await Promise.all(tasks)) expect(error.code).toBe('ERR_PROCESSOR_DISPOSED')
  })
})
