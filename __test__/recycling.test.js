'use strict'

const { WorkerCrashedError, KIND } = require('./pool-kind')
const { waitFor, readyPool } = require('./helpers')

function record(pool) {
  const events = { retire: [], exit: [] }
  pool.on('workerRetire', (event) => events.retire.push(event))
  pool.on('workerExit', (event) => events.exit.push(event))
  return events
}

describe('recycling', () => {
  test('maxTasksPerWorker retires a worker after N tasks; no task is lost', async () => {
    const pool = await readyPool({ workers: 1, maxTasksPerWorker: 3 })
    const events = record(pool)
    try {
      const results = await Promise.all(Array.from({ length: 10 }, (_, i) => pool.execute({ a: i, b: 0, ms: 1 }, { name: 'addLater' })))
      expect(results).toEqual(Array.from({ length: 10 }, (_, i) => i))
      await waitFor(() => events.exit.length >= 3, 5000, 'retired workers to leave')
      expect(events.retire.length).toBeGreaterThanOrEqual(3)
      expect(events.retire.every((e) => e.reason === 'maxTasks')).toBe(true)
      expect(events.exit.every((e) => e.reason === 'retire')).toBe(true)
      const stats = pool.stats()
      expect(stats).toMatchObject({ completed: 10, failed: 0, crashed: 0 })
      expect(stats.retired).toBeGreaterThanOrEqual(3)
      expect(stats.workers.every((w) => w.completed <= 3)).toBe(true)
    } finally {
      await pool.dispose()
    }
  })

  test('maxWorkerMemoryMb retires a worker whose memory grew past the limit', async () => {
    // A thread is measured by its heap; a process by its RSS, ~50 MB when fresh.
    const limitMb = KIND === 'thread' ? 20 : 120
    const memoryOf = (worker) => (KIND === 'thread' ? worker.heapUsedMb : worker.rssMb)
    const pool = await readyPool({ workers: 1, maxWorkerMemoryMb: limitMb })
    const events = record(pool)
    try {
      // Each call keeps ~10 MB more of heap alive, until the worker is over the limit.
      const first = await pool.execute(16, { name: 'hoard' })
      expect(first).toBe(1)
      const memory = memoryOf(pool.stats().workers[0])
      expect(memory).toBeGreaterThan(5)
      expect(memory).toBeLessThan(limitMb)
      let calls = 1
      while (events.retire.length === 0 && calls < 30) calls = await pool.execute(16, { name: 'hoard' })
      await waitFor(() => events.retire.length === 1, 5000, 'the worker to retire')
      expect(events.retire[0].reason).toBe('memory')
      expect(calls).toBeGreaterThan(1)
      // Its replacement starts afresh.
      await expect(pool.execute(1, { name: 'hoard' })).resolves.toBe(1)
      expect(pool.stats()).toMatchObject({ crashed: 0, failed: 0 })
    } finally {
      await pool.dispose()
    }
  })

  test('resourceLimits still applies: a worker out of memory rejects only its own task', async () => {
    const pool = await readyPool({ workers: 2, resourceLimits: { maxOldGenerationSizeMb: 32 } })
    try {
      const other = pool.execute({ a: 1, b: 1, ms: 300 }, { name: 'addLater' })
      const error = await pool.execute(null, { name: 'exhaustMemory' }).catch((e) => e)
      expect(error).toBeInstanceOf(WorkerCrashedError)
      await expect(other).resolves.toBe(2)
      await waitFor(() => pool.size === 2, 5000, 'the replacement')
      await expect(pool.execute(3)).resolves.toBe(3)
    } finally {
      await pool.dispose()
    }
  })

  test('recycleWorkers() replaces every worker; a busy one finishes its task first', async () => {
    const pool = await readyPool({ workers: 2 })
    const events = record(pool)
    try {
      const before = pool.stats().workers.map((w) => w.id)
      const busy = pool.execute(300, { name: 'sleep' })
      await waitFor(() => pool.running === 1, 5000, 'the task to start')
      await pool.recycleWorkers()
      await expect(busy).resolves.toBe(300)
      const after = pool.stats().workers.map((w) => w.id)
      expect(after).toHaveLength(2)
      expect(after.some((id) => before.includes(id))).toBe(false)
      expect(events.retire.map((e) => e.reason)).toEqual(['recycle', 'recycle'])
      expect(events.exit.map((e) => e.reason)).toEqual(['retire', 'retire'])
      await expect(pool.execute(4)).resolves.toBe(4)
    } finally {
      await pool.dispose()
    }
  })
})
