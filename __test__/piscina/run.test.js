'use strict'

const { pathToFileURL } = require('node:url')
const { AbortError: PoolAbortError } = require('parallel-processor')
const { Piscina, pools } = require('./helpers')

const pool = pools()
const OTHER = require.resolve('./fixtures/other.mjs')

describe('run', () => {
  test('default export, named export, another module (path or file: URL)', async () => {
    const p = pool()
    await expect(p.run(21)).resolves.toBe(42)
    await expect(p.run(5, { name: 'sleep' })).resolves.toBe(5)
    await expect(p.run(1, { filename: OTHER })).resolves.toBe('other 1')
    await expect(p.run(2, { filename: pathToFileURL(OTHER).href })).resolves.toBe('other 2')
    expect(Piscina.isWorkerThread).toBe(false)
    expect(Piscina.workerData).toBeUndefined()
  })

  test("the pool's name option picks the export", async () => {
    await expect(pool({ name: 'sleep' }).run(3)).resolves.toBe(3)
  })

  test("piscina 3's positional runTask(task, transferList?, filename?, signal?)", async () => {
    const p = pool()
    await expect(p.runTask(4)).resolves.toBe(8)
    await expect(p.runTask(4, OTHER)).resolves.toBe('other 4')
    const buffer = new ArrayBuffer(8)
    await expect(p.runTask(4, [buffer], OTHER)).resolves.toBe('other 4')
    const controller = new AbortController()
    controller.abort()
    await expect(p.runTask(4, controller.signal)).rejects.toThrow('The task has been aborted')
  })

  test("piscina's argument errors", async () => {
    const p = pool()
    await expect(p.run(1, 1)).rejects.toThrow(new TypeError('options must be an object'))
    await expect(p.run(1, { transferList: 1 })).rejects.toThrow(new TypeError('transferList argument must be an Array'))
    await expect(p.run(1, { filename: 1 })).rejects.toThrow(new TypeError('filename argument must be a string'))
    await expect(p.run(1, { name: 1 })).rejects.toThrow(new TypeError('name argument must be a string'))
    await expect(p.run(1, { signal: 1 })).rejects.toThrow(new TypeError('signal argument must be an object'))
    const noFile = new Piscina({ minThreads: 0 })
    await expect(noFile.run(1)).rejects.toThrow('filename must be provided to run() or in options object')
    await noFile.destroy()
  })

  test("a handler's error passes through as it is", async () => {
    const error = await pool().run('bad', { name: 'fail' }).catch((e) => e)
    expect(error).toBeInstanceOf(RangeError)
    expect(error.message).toBe('bad')
  })

  test('transferList and Piscina.move() move buffers, both ways', async () => {
    const p = pool()
    const buffer = new ArrayBuffer(16)
    await expect(p.run(buffer, { name: 'byteLength', transferList: [buffer] })).resolves.toBe(16)
    expect(buffer.byteLength).toBe(0)
    const moved = new Uint8Array(32)
    await expect(p.run(Piscina.move(moved), { name: 'byteLength' })).resolves.toBe(32)
    expect(moved.byteLength).toBe(0)
    const back = await p.run(64, { name: 'moveBack' })
    expect(back).toBeInstanceOf(Uint8Array)
    expect(back.byteLength).toBe(64)
  })

  test("move() of piscina's Transferable sends its value and moves its part; primitives pass", async () => {
    const bytes = new Uint8Array(8)
    const transferable = {
      get [Piscina.transferableSymbol]() { return bytes.buffer },
      get [Piscina.valueSymbol]() { return bytes },
    }
    await expect(pool().run(Piscina.move(transferable), { name: 'byteLength' })).resolves.toBe(8)
    expect(bytes.byteLength).toBe(0)
    expect(Piscina.move(1)).toBe(1)
    expect(Piscina.move(null)).toBe(null)
  })

  test("an abort rejects with piscina's AbortError, also the pool's", async () => {
    const p = pool({ maxThreads: 1, minThreads: 1 })
    const controller = new AbortController()
    const running = p.run(5000, { name: 'sleep', signal: controller.signal })
    const queued = p.run(5000, { name: 'sleep', signal: controller.signal })
    controller.abort('enough')
    for (const promise of [running, queued]) {
      const error = await promise.catch((e) => e)
      expect(error.message).toBe('The task has been aborted')
      expect(error.name).toBe('AbortError')
      expect(error.cause).toBe('enough')
      expect(error).toBeInstanceOf(Piscina.AbortError)
      expect(error).toBeInstanceOf(PoolAbortError)
    }
  })

  test('an EventEmitter that emits abort aborts too', async () => {
    const { EventEmitter } = require('node:events')
    const emitter = new EventEmitter()
    const running = pool().run(5000, { name: 'sleep', signal: emitter })
    emitter.emit('abort')
    await expect(running).rejects.toThrow('The task has been aborted')
  })

  test("a full queue: 'Task queue is at limit'; maxQueue 0: no queue", async () => {
    const p = pool({ minThreads: 1, maxThreads: 1, maxQueue: 1 })
    // Once the worker is up (a task waiting for a starting worker counts in maxQueue).
    await p.run(1)
    const tasks = [p.run(50, { name: 'sleep' }), p.run(50, { name: 'sleep' })]
    const more = await Promise.all([p.run(1), p.run(1)].map((t) => t.catch((e) => e)))
    expect(more.some((e) => e instanceof Error && e.message === 'Task queue is at limit')).toBe(true)
    await Promise.all(tasks)
    const none = pool({ minThreads: 1, maxThreads: 1, maxQueue: 0 })
    // Without a queue, a task needs an idle worker: one that has started.
    while (none.idleThreads === 0) await new Promise((resolve) => setTimeout(resolve, 10))
    const results = await Promise.all([none.run(50, { name: 'sleep' }), none.run(1), none.run(1)].map((t) => t.catch((e) => e.message)))
    expect(results).toContain('No task queue available and all Workers are busy')
  })
})
