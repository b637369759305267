'use strict'

const { MessageChannel } = require('node:worker_threads')
const { readyPool } = require('../helpers')

describe('shared memory and ports cannot reach a process', () => {
  let pool
  beforeAll(async () => { pool = await readyPool({ workers: 1 }, { timeoutMs: 10000 }) })
  afterAll(() => pool.dispose())

  test.each([
    ['a SharedArrayBuffer', () => ({ shared: new SharedArrayBuffer(8) }), /SharedArrayBuffer: memory cannot be shared with another process/],
    ['a typed array on shared memory', () => new Int32Array(new SharedArrayBuffer(8)), /memory cannot be shared with another process/],
  ])('a payload holding %s rejects with ERR_DATA_CLONE saying why', async (_, payload, message) => {
    const error = await pool.execute(payload()).catch((e) => e)
    expect(error).toMatchObject({ name: 'TypeError', code: 'ERR_DATA_CLONE', message: expect.stringMatching(message) })
    await expect(pool.execute(3)).resolves.toBe(3)
  })

  test('a MessagePort rejects with ERR_DATA_CLONE saying why', async () => {
    const { port1, port2 } = new MessageChannel()
    const error = await pool.execute({ port: port2 }, { transferList: [port2] }).catch((e) => e)
    expect(error).toMatchObject({ code: 'ERR_DATA_CLONE', message: expect.stringMatching(/cannot be sent to another process/) })
    port1.close()
    port2.close()
  })

  test('a result holding shared memory rejects with ERR_DATA_CLONE, and the worker keeps serving', async () => {
    const pid = pool.stats().workers[0].pid
    const error = await pool.execute(null, { name: 'sharedResult' }).catch((e) => e)
    expect(error).toMatchObject({ code: 'ERR_DATA_CLONE', message: expect.stringMatching(/memory cannot be shared with another process/) })
    await expect(pool.execute(4)).resolves.toBe(4)
    expect(pool.stats().workers[0].pid).toBe(pid)
  })
})
