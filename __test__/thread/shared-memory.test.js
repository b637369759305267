'use strict'

const { MessageChannel } = require('node:worker_threads')
const { TimeoutError, WorkerCrashedError, AbortError } = require('../pool-kind')
const { readyPool, track, fixture, runNode, waitFor } = require('../helpers')

const MB = 2 ** 20

describe('shared memory and ports (thread workers)', () => {
  let pool
  beforeEach(async () => { pool = await readyPool({ workers: 2 }) })
  afterEach(() => pool.dispose())

  test('a SharedArrayBuffer is one memory for the caller and every worker', async () => {
    const counter = new Int32Array(new SharedArrayBuffer(4))
    await Promise.all([
      pool.execute({ counter, times: 10000 }, { name: 'countShared' }),
      pool.execute({ counter, times: 10000 }, { name: 'countShared' }),
    ])
    expect(Atomics.load(counter, 0)).toBe(20000)
  })

  test('Atomics.wait in a worker is woken by the caller (a typed array on shared memory stays shared)', async () => {
    const flags = new Int32Array(new SharedArrayBuffer(8))
    const waiting = pool.execute({ flags }, { name: 'waitForCaller' })
    // The worker says it is waiting; the caller wakes it.
    await waitFor(() => Atomics.load(flags, 0) !== 0, 5000, 'the worker to wait')
    Atomics.store(flags, 1, 1)
    Atomics.notify(flags, 1)
    await expect(waiting).resolves.toMatch(/^(ok|not-equal)$/)
  })

  test('a SharedArrayBuffer in a result is the same memory', async () => {
    const shared = new Int32Array(new SharedArrayBuffer(8))
    const back = await pool.execute(shared, { name: 'sameShared' })
    back[1] = 77
    expect(shared[1]).toBe(77)
    const made = await pool.execute(null, { name: 'sharedResult' })
    expect(Object.prototype.toString.call(made.buffer)).toBe('[object SharedArrayBuffer]')
  })

  test('a MessagePort in the payload reaches the handler working: progress arrives before the task settles', async () => {
    const { port1, port2 } = new MessageChannel()
    const steps = []
    port1.on('message', (message) => steps.push(message.step))
    const result = await pool.execute({ port: port2, steps: 3 }, { name: 'progress', transferList: [port2] })
    expect(result).toBe(3)
    expect(steps).toEqual([1, 2, 3])
    port1.close()
  })

  test("what a handler posts on parentPort is the pool's 'message' event", async () => {
    const messages = []
    pool.on('message', (message, from) => messages.push([message, from.workerId]))
    const result = await pool.execute(5, { name: 'postToParent' })
    expect(result).toBe(5)
    // Posted before the task completed, but by another road: it may come after the result.
    await waitFor(() => messages.length > 0, 5000, "the worker's message")
    expect(messages).toEqual([[{ progress: 5 }, expect.any(Number)]])
  })

  test('a moved payload cannot be retried: retries with a transferList reject up front', async () => {
    const bytes = new Uint8Array(16)
    const error = await pool.execute(bytes, { transferList: [bytes.buffer], retries: 1 }).catch((e) => e)
    expect(error).toMatchObject({ name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE' })
    expect(bytes.byteLength).toBe(16)
  })

  test('a big task whose worker crashes, times out or is aborted settles once, and the pool goes on', async () => {
    const moved = () => { const bytes = new Uint8Array(8 * MB); return [bytes, { transferList: [bytes.buffer] }] }
    const [a, aOptions] = moved()
    const [b, bOptions] = moved()
    const [c, cOptions] = moved()
    const controller = new AbortController()
    const tasks = track([
      pool.execute(a, { ...aOptions, name: 'crashHolding' }),
      pool.execute(b, { ...bOptions, name: 'spinHolding', timeoutMs: 200 }),
      pool.execute(c, { ...cOptions, name: 'spinHolding', signal: controller.signal }),
      pool.execute(Buffer.alloc(8 * MB), { name: 'byteLength', retries: 2 }),
    ])
    // The third task runs once a worker is free (the crashed one's replacement): aborted then, it holds one.
    await waitFor(() => pool.stats().queued < 2, 10000, 'the third task to start')
    controller.abort()
    const outcomes = await tasks.settled(10000)
    expect(outcomes[0].value).toBeInstanceOf(WorkerCrashedError)
    expect(outcomes[1].value).toBeInstanceOf(TimeoutError)
    expect(outcomes[2].value).toBeInstanceOf(AbortError)
    expect(outcomes[3]).toMatchObject({ status: 'fulfilled', value: 8 * MB })
    await expect(pool.execute(Buffer.alloc(2 * MB), { name: 'byteLength' })).resolves.toBe(2 * MB)
  })

  test('200 transferred tasks of 16 MB leave the memory where it was', async () => {
    const run = await runNode(['--expose-gc', fixture('script-transfer-rss.js')], { timeout: 60000 })
    expect(run).toMatchObject({ code: 0, stderr: '' })
    const { early, late } = JSON.parse(run.stdout)
    // 200 × 16 MB = 3.2 GB went through; a leak of even one in ten would show.
    expect(late - early).toBeLessThan(160)
  }, 60000)
})
