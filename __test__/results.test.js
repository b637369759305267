'use strict'

const { pathToFileURL } = require('node:url')
const util = require('node:util')
const v8 = require('node:v8')
const { ParallelProcessor, KIND } = require('./pool-kind')
const { fixture, runNode, repoRoot } = require('./helpers')

describe('results', () => {
  let pool
  afterEach(() => pool?.dispose())

  test('200 concurrent tasks over 4 workers all return their own result', async () => {
    pool = new ParallelProcessor(4, { filename: fixture('tasks.js') })
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) => pool.execute({ a: i, b: 1000, ms: i % 7 }, { name: 'addLater' })),
    )
    expect(results).toEqual(Array.from({ length: 200 }, (_, i) => i + 1000))
    const stats = pool.stats()
    expect(stats.completed).toBe(200)
    expect(stats.workers).toHaveLength(4)
    // The work was spread: more than one worker completed tasks.
    expect(stats.workers.filter((w) => w.completed > 0).length).toBeGreaterThan(1)
  })

  test('payloads and results round-trip by structured clone', async () => {
    pool = new ParallelProcessor(2, { filename: fixture('tasks.js') })
    const payload = {
      map: new Map([['a', 1], [2, { deep: [1, 2, 3] }]]),
      set: new Set(['x', 3, 4n]),
      date: new Date('2026-01-02T03:04:05.678Z'),
      big: 2n ** 70n,
      regexp: /ab+c/gi,
      bytes: new Uint8Array([1, 2, 255]),
      floats: new Float64Array([1.5, -2.25]),
      buffer: Buffer.from('héllo'),
      nested: { list: [null, undefined, true, 'str', [NaN, -0, Infinity]], empty: {} },
    }
    const result = await pool.execute(payload)
    expect(result).toEqual(payload)
    // Brand checks rather than instanceof: V8 deserializes into Node's main
    // realm, and jest runs this file in a realm of its own.
    const brand = (value) => Object.prototype.toString.call(value)
    expect(brand(result.map)).toBe('[object Map]')
    expect(brand(result.set)).toBe('[object Set]')
    expect(brand(result.date)).toBe('[object Date]')
    expect(brand(result.bytes)).toBe('[object Uint8Array]')
    expect(result.regexp.flags).toBe('gi')
    expect(Buffer.isBuffer(result.buffer)).toBe(true)
    expect(result.buffer.toString()).toBe('héllo')
    expect(Object.is(result.nested.list[4][1], -0)).toBe(true)
  })

  test('values JSON cannot carry exactly still arrive as their structured clone', async () => {
    pool = new ParallelProcessor(1, { filename: fixture('tasks.js') })
    const shared = { n: 1 }
    const cyclic = { name: 'cycle' }
    cyclic.self = cyclic
    const cases = [
      { a: undefined, b: 1 },
      [1, , 3], // eslint-disable-line no-sparse-arrays
      Object.assign([1, 2], { extra: 'kept' }),
      Object.assign([1, , 3], { x: 'hole and extra' }), // eslint-disable-line no-sparse-arrays
      Object.setPrototypeOf(new Map([[1, 2]]), null),
      Object.setPrototypeOf(new Date(0), Object.prototype),
      -0,
      NaN,
      [Infinity, -Infinity],
      undefined,
      { left: shared, right: shared },
      cyclic,
      'lone surrogate \ud800',
      { plain: { deep: [{ x: [1, 'y', null, true] }] } },
      Array.from({ length: 2000 }, (_, i) => ({ i })),
    ]
    for (const value of cases) {
      const result = await pool.execute(value)
      const reference = v8.deserialize(v8.serialize(value))
      // Compared as printed (holes, -0, undefined members, cycles all show),
      // since the two may come from different realms under jest.
      expect(util.inspect(result, { depth: null })).toBe(util.inspect(reference, { depth: null }))
    }
    const both = await pool.execute({ left: shared, right: shared })
    expect(both.left).toBe(both.right)
    const cycle = await pool.execute(cyclic)
    expect(cycle.self).toBe(cycle)
  })

  test('a typed array in a result owns its memory', async () => {
    pool = new ParallelProcessor(1, { filename: fixture('tasks.js') })
    const [a, b] = await Promise.all([pool.execute(new Uint8Array([1, 2])), pool.execute(new Uint8Array([3, 4]))])
    expect(a.buffer.byteLength).toBe(2)
    expect(b.buffer.byteLength).toBe(2)
  })

  test('named exports are called through `name`', async () => {
    pool = new ParallelProcessor(2, { filename: fixture('tasks.js') })
    await expect(pool.execute({ a: 2, b: 3 }, { name: 'add' })).resolves.toBe(5)
    await expect(pool.execute(7)).resolves.toBe(7)
  })

  test('the handler gets a context with taskId, workerId and signal', async () => {
    pool = new ParallelProcessor(1, { filename: fixture('tasks.js') })
    const ctx = await pool.execute(null, { name: 'context' })
    expect(typeof ctx.taskId).toBe('string')
    expect(ctx.workerId).toBe(pool.stats().workers[0].id)
    expect(ctx.hasSignal).toBe(true)
  })

  test('ESM worker modules: default and named exports', async () => {
    pool = new ParallelProcessor(2, { filename: fixture('esm-task.mjs'), workerData: { mode: 'esm' } })
    await expect(pool.execute(21)).resolves.toBe(42)
    await expect(pool.execute(null, { name: 'describe' })).resolves.toEqual({
      isWorker: true,
      workerData: { mode: 'esm' },
      kind: 'esm',
    })
  })

  test('an ES module in a .js file of a "type": "module" package', async () => {
    pool = new ParallelProcessor(1, { filename: fixture('esm-package/task.js') })
    await expect(pool.execute(1)).resolves.toBe(2)
    await expect(pool.execute(null, { name: 'named' })).resolves.toBe('named')
  })

  test('a file: URL works as filename, and execute() may name another module', async () => {
    pool = new ParallelProcessor(1, { filename: pathToFileURL(fixture('tasks.js')) })
    await expect(pool.execute({ a: 1, b: 2 }, { name: 'add' })).resolves.toBe(3)
    await expect(pool.execute(5, { filename: fixture('esm-task.mjs') })).resolves.toBe(10)
    await expect(pool.execute(6, { filename: pathToFileURL(fixture('esm-task.mjs')) })).resolves.toBe(12)
  })

  test('a pool without a default module runs tasks that name one', async () => {
    pool = new ParallelProcessor(1)
    await expect(pool.execute({ a: 1, b: 1 }, { filename: fixture('tasks.js'), name: 'add' })).resolves.toBe(2)
    await expect(pool.execute(1)).rejects.toMatchObject({ name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE' })
  })

  test('workerData and isWorker inside workers; isWorker is false here', async () => {
    const { isWorker, workerData } = require('./pool-kind')
    expect(isWorker).toBe(false)
    expect(workerData).toBeUndefined()
    const data = { config: new Map([['k', 'v']]), n: 1 }
    pool = new ParallelProcessor(2, { filename: fixture('tasks.js'), workerData: data })
    const info = await pool.execute(null, { name: 'info' })
    expect(info.isWorker).toBe(true)
    expect(info.workerData).toEqual(data)
    // worker_threads' own workerData is the user's too, not the runtime's.
    expect(info.threadsWorkerData).toEqual(data)
    // stats() names the thread or process the task ran in.
    if (KIND === 'thread') expect(pool.stats().workers.map((w) => w.threadId)).toContain(info.threadId)
    else expect(pool.stats().workers.map((w) => w.pid)).toContain(info.pid)
  })

  test('the package loads with import as well as require', async () => {
    const script = `
      import { ParallelProcessor, TimeoutError, isWorker } from 'parallel-processor'
      const pool = new ParallelProcessor(1, { filename: ${JSON.stringify(fixture('tasks.js'))} })
      console.log(JSON.stringify([await pool.execute(4), typeof TimeoutError, isWorker]))
      await pool.dispose()
    `
    const run = await runNode(['--input-type=module', '-e', script], { cwd: repoRoot })
    expect(run.stderr).toBe('')
    expect(JSON.parse(run.stdout)).toEqual([4, 'function', false])
  })

  test('introspection: size, queueSize, running, disposed', async () => {
    pool = new ParallelProcessor(2, { filename: fixture('tasks.js') })
    expect(pool.size).toBe(2)
    expect(pool.disposed).toBe(false)
    const tasks = Array.from({ length: 6 }, () => pool.execute(200, { name: 'sleep' }))
    expect(pool.queueSize + pool.running).toBe(6)
    await Promise.all(tasks)
    expect([pool.queueSize, pool.running]).toEqual([0, 0])
    await pool.dispose()
    expect(pool.disposed).toBe(true)
    expect(pool.size).toBe(0)
  })
})
