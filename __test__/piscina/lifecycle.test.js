'use strict'

const { once } = require('node:events')
const { pools } = require('./helpers')

const pool = pools()

describe('events, figures, close and destroy', () => {
  test('as piscina counts: a task a worker (even a starting one) will take is not queued; run() starts the worker it needs', async () => {
    const p = pool({ minThreads: 2, maxThreads: 3 })
    expect(p.threads).toHaveLength(2)
    const tasks = []
    const sizes = () => [p.threads.length, p.queueSize]
    tasks.push(p.run(200, { name: 'sleep' }))
    expect(sizes()).toEqual([2, 0])
    tasks.push(p.run(200, { name: 'sleep' }))
    expect(sizes()).toEqual([2, 0])
    // Both workers are taken: the third task has one started for it, within run().
    tasks.push(p.run(200, { name: 'sleep' }))
    expect(sizes()).toEqual([3, 0])
    tasks.push(p.run(200, { name: 'sleep' }))
    expect(sizes()).toEqual([3, 1])
    await Promise.all(tasks)
    expect(p.queueSize).toBe(0)
  })

  test('maxQueue counts as piscina does: tasks beyond what maxThreads workers take', async () => {
    const p = pool({ minThreads: 0, maxThreads: 1, maxQueue: 2 })
    const tasks = [p.run(100, { name: 'sleep' }), p.run(1), p.run(1)]
    expect(p.queueSize).toBe(2)
    await expect(p.run(1)).rejects.toThrow('Task queue is at limit')
    await expect(Promise.all(tasks)).resolves.toEqual([100, 2, 2])
  })

  test("close({ force: true }) while the worker starts: the task it will take runs, the rest are aborted", async () => {
    const p = pool({ minThreads: 1, maxThreads: 1 })
    const first = p.run(50, { name: 'sleep' })
    const second = p.run(1).catch((error) => error)
    await p.close({ force: true })
    await expect(first).resolves.toBe(50)
    expect((await second).message).toBe('The task has been aborted')
  })

  test("'workerCreate', 'workerDestroy', 'message'", async () => {
    const p = pool({ minThreads: 1, maxThreads: 1 })
    const [created] = await once(p, 'workerCreate')
    expect(typeof created.id).toBe('number')
    const message = once(p, 'message')
    await expect(p.run({ hello: 1 }, { name: 'post' })).resolves.toBe('posted')
    expect(await message).toEqual([{ hello: 1 }])
    const destroyed = once(p, 'workerDestroy')
    await p.destroy()
    const [worker] = await destroyed
    expect(worker).toBe(created)
    expect(worker.destroyed).toBe(true)
  })

  test("'drain' when nothing waits; 'needsDrain' when the queue fills maxQueue", async () => {
    const p = pool({ minThreads: 1, maxThreads: 1, maxQueue: 2 })
    await p.run(1)
    let needs = 0
    let drains = 0
    p.on('needsDrain', () => needs++)
    p.on('drain', () => drains++)
    const tasks = [p.run(100, { name: 'sleep' }), p.run(1), p.run(1)]
    expect(p.needsDrain).toBe(true)
    expect(needs).toBeGreaterThan(0)
    await Promise.all(tasks)
    expect(drains).toBeGreaterThan(0)
    expect(p.needsDrain).toBe(false)
  })

  test('completed, duration, utilization, runTime and waitTime (v4) and histogram (v5)', async () => {
    const p = pool({ minThreads: 1, maxThreads: 1 })
    await Promise.all([p.run(20, { name: 'sleep' }), p.run(20, { name: 'sleep' })])
    expect(p.completed).toBe(2)
    expect(p.duration).toBeGreaterThan(0)
    expect(p.utilization).toBeGreaterThan(0)
    const keys = ['average', 'mean', 'stddev', 'min', 'max', 'p0_001', 'p0_01', 'p0_1', 'p1', 'p2_5', 'p10', 'p25', 'p50', 'p75', 'p90', 'p97_5', 'p99', 'p99_9', 'p99_99', 'p99_999']
    for (const summary of [p.runTime, p.waitTime, p.histogram.runTime, p.histogram.waitTime]) {
      expect(Object.keys(summary).sort()).toEqual([...keys].sort())
    }
    expect(p.runTime.min).toBeGreaterThanOrEqual(15)
    expect(p.runTime.p50).toBeGreaterThanOrEqual(p.runTime.p10)
    expect(p.runTime.max).toBeGreaterThanOrEqual(p.runTime.p99_999)
    p.histogram.resetRunTime()
    expect(p.histogram.runTime.mean).toBe(0)
    expect(pool({ recordTiming: false }).runTime).toBeNull()
  })

  test('close() lets queued and running tasks finish, then refuses new ones', async () => {
    const p = pool({ minThreads: 1, maxThreads: 1 })
    const tasks = [p.run(30, { name: 'sleep' }), p.run(30, { name: 'sleep' })]
    const closed = once(p, 'close')
    await p.close()
    await expect(Promise.all(tasks)).resolves.toEqual([30, 30])
    await closed
    await expect(p.run(1)).rejects.toThrow()
  })

  test('close({ force: true }) rejects what waits at once; what runs finishes', async () => {
    const p = pool({ minThreads: 1, maxThreads: 1 })
    await p.run(1)
    const running = p.run(100, { name: 'sleep' })
    const queued = p.run(100, { name: 'sleep' })
    const closing = p.close({ force: true })
    await expect(p.run(1)).rejects.toThrow('The task has been aborted')
    await expect(queued).rejects.toThrow('The task has been aborted')
    await expect(running).resolves.toBe(100)
    await closing
  })

  test("closeTimeout: 'error' with 'Close operation timed out', then destroyed", async () => {
    const p = pool({ minThreads: 1, maxThreads: 1, closeTimeout: 50 })
    const running = p.run(5000, { name: 'sleep' }).catch((e) => e)
    const errors = []
    p.on('error', (error) => errors.push(error.message))
    await p.close()
    expect(errors).toEqual(['Close operation timed out'])
    expect((await running).message).toBe('Terminating worker thread')
  })

  test("destroy() rejects every task with 'Terminating worker thread'", async () => {
    const p = pool({ minThreads: 1, maxThreads: 1 })
    const tasks = [p.run(5000, { name: 'sleep' }), p.run(5000, { name: 'sleep' })].map((t) => t.catch((e) => e.message))
    await p.destroy()
    expect(await Promise.all(tasks)).toEqual(['Terminating worker thread', 'Terminating worker thread'])
    expect(p.threads).toHaveLength(0)
  })

  test("an error that kills an idle worker is emitted as 'error'", async () => {
    const p = pool({ minThreads: 1, maxThreads: 1 })
    await expect(p.run(10, { name: 'crashLater' })).resolves.toBe('scheduled')
    const [error] = await once(p, 'error')
    expect(error.message).toBe('late boom')
  })
})

test("a worker's ref() holds the event loop until unref(), as a Worker's does", async () => {
  const { runNode } = require('../helpers')
  const script = `
    const Piscina = require('parallel-processor/piscina')
    const pool = new Piscina({ filename: ${JSON.stringify(require.resolve('./fixtures/tasks.js'))}, minThreads: 1, maxThreads: 1 })
    pool.run(1).then(() => {
      const [worker] = pool.threads
      worker.ref()
      const started = Date.now()
      // Unref'd: only the worker's ref() keeps the process alive for it.
      setTimeout(() => { console.log('held', Date.now() - started >= 300); worker.unref() }, 300).unref()
    })
  `
  const { code, stdout } = await runNode(['-e', script])
  expect(code).toBe(0)
  expect(stdout).toContain('held true')
})
