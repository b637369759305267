'use strict'

const os = require('node:os')
const { Piscina, TASKS, pools } = require('./helpers')

const pool = pools()

describe('options', () => {
  test.each([
    [{ filename: 12 }, TypeError, 'options.filename must be a string or null'],
    [{ name: 1 }, TypeError, 'options.name must be a string or null'],
    [{ minThreads: -1 }, TypeError, 'options.minThreads must be a non-negative integer'],
    [{ maxThreads: 0 }, TypeError, 'options.maxThreads must be a positive integer'],
    [{ minThreads: 4, maxThreads: 2 }, RangeError, 'options.minThreads and options.maxThreads must not conflict'],
    [{ idleTimeout: 'x' }, TypeError, 'options.idleTimeout must be a non-negative integer'],
    [{ maxQueue: -1 }, TypeError, 'options.maxQueue must be a non-negative integer'],
    [{ concurrentTasksPerWorker: 0 }, TypeError, 'options.concurrentTasksPerWorker must be a positive integer'],
    [{ useAtomics: 1 }, TypeError, 'options.useAtomics must be a boolean value'],
    [{ atomics: 'never' }, TypeError, 'options.atomics should be a value of sync, sync or disabled.'],
    [{ resourceLimits: null }, TypeError, 'options.resourceLimits must be an object'],
    [{ taskQueue: {} }, TypeError, 'options.taskQueue must be a TaskQueue object'],
    [{ niceIncrement: -1 }, TypeError, 'options.niceIncrement must be a non-negative integer'],
    [{ trackUnmanagedFds: 0 }, TypeError, 'options.trackUnmanagedFds must be a boolean value'],
    [{ closeTimeout: -5 }, TypeError, 'options.closeTimeout must be a non-negative integer'],
  ])('%j is refused as piscina refuses it', (options, Class, message) => {
    let thrown
    try {
      new Piscina(options)
    } catch (error) {
      thrown = error
    }
    expect(thrown).toBeInstanceOf(Class)
    expect(thrown.message).toBe(message)
  })

  test("piscina's defaults, from the CPU count", () => {
    const cpus = os.availableParallelism()
    const options = pool().options
    expect(options).toMatchObject({
      filename: TASKS,
      name: 'default',
      minThreads: Math.max(Math.floor(cpus / 2), 1),
      maxThreads: cpus * 1.5,
      idleTimeout: 0,
      maxQueue: Infinity,
      concurrentTasksPerWorker: 1,
      closeTimeout: 30000,
      recordTiming: true,
    })
  })

  test("maxQueue 'auto' is maxThreads squared; a lone minThreads raises maxThreads", () => {
    expect(pool({ maxThreads: 3, maxQueue: 'auto' }).options.maxQueue).toBe(9)
    const raised = pool({ minThreads: 40 })
    expect(raised.maxThreads).toBe(40)
    const lowered = pool({ maxThreads: 1 })
    expect(lowered.minThreads).toBe(1)
  })

  test('minThreads workers start at once; threads lists them', () => {
    const threads = pool({ minThreads: 2, maxThreads: 2 }).threads
    expect(threads).toHaveLength(2)
    expect(threads.every((thread) => typeof thread.threadId === 'number')).toBe(true)
  })

  test('a custom task queue is refused; FixedQueue and ArrayTaskQueue are the pool order', () => {
    const custom = { size: 0, shift() {}, push() {}, remove() {} }
    expect(() => new Piscina({ taskQueue: custom })).toThrow(/custom TaskQueue is not supported/)
    expect(pool({ taskQueue: new Piscina.FixedQueue() }).options.taskQueue).toBeInstanceOf(Piscina.FixedQueue)
  })

  test('FixedQueue and ArrayTaskQueue work as the queues piscina exports', () => {
    for (const Queue of [Piscina.FixedQueue, Piscina.ArrayTaskQueue]) {
      const queue = new Queue()
      const tasks = Array.from({ length: 5 }, (_, i) => ({ i }))
      expect(queue.isEmpty()).toBe(true)
      expect(queue.shift()).toBeNull()
      for (const task of tasks) queue.push(task)
      queue.remove(tasks[2])
      queue.remove({ not: 'queued' })
      expect(queue.size).toBe(4)
      const order = []
      while (!queue.isEmpty()) order.push(queue.shift().i)
      expect(order).toEqual([0, 1, 3, 4])
    }
  })

  test('workerData reaches the worker, where isWorkerThread is true', async () => {
    const p = pool({ workerData: { hello: 'world' } })
    await expect(p.run(null, { name: 'info' })).resolves.toEqual({ isWorkerThread: true, workerData: { hello: 'world' } })
  })
})
