'use strict'

const { ParallelProcessor } = require('./pool-kind')
const { fixture } = require('./helpers')

describe('a handler that throws', () => {
  let pool
  beforeEach(() => { pool = new ParallelProcessor(2, { filename: fixture('tasks.js') }) })
  afterEach(() => pool.dispose())

  test('rejects with the same class, message, worker stack and own properties', async () => {
    const error = await pool.execute('bad input', { name: 'throwTypeError' }).catch((e) => e)
    expect(error).toBeInstanceOf(TypeError)
    expect(error.name).toBe('TypeError')
    expect(error.message).toBe('bad input')
    expect(error.code).toBe('E_TYPED')
    expect(error.details).toEqual({ field: 'x', count: 2 })
    expect(error.stack).toContain('tasks.js')
    expect(error.stack.split('\n')[0]).toBe('TypeError: bad input')
  })

  test('an async rejection and a custom class keep their name', async () => {
    const range = await pool.execute(null, { name: 'rejectRange' }).catch((e) => e)
    expect(range).toBeInstanceOf(RangeError)
    expect(range.message).toBe('async range')
    const custom = await pool.execute(null, { name: 'throwCustom' }).catch((e) => e)
    expect(custom).toBeInstanceOf(Error)
    expect(custom.name).toBe('ValidationError')
    expect(custom.message).toBe('custom class')
    expect(custom.stack).toContain('ValidationError: custom class')
  })

  test('a thrown non-error value is the rejection value', async () => {
    await expect(pool.execute(null, { name: 'throwString' })).rejects.toBe('just a string')
  })

  test('an uncloneable result rejects with ERR_DATA_CLONE', async () => {
    await expect(pool.execute(null, { name: 'returnFunction' })).rejects.toMatchObject({
      name: 'TypeError',
      code: 'ERR_DATA_CLONE',
    })
  })

  test('hostile values: a throwing `then` getter or a throwing property getter reject, and do not crash the worker', async () => {
    const thenGetter = await pool.execute(null, { name: 'hostileThenable' }).catch((e) => e)
    expect(thenGetter).toBeInstanceOf(Error)
    expect(thenGetter.message).toBe('then getter')
    const constructorGetter = await pool.execute(null, { name: 'hostilePromise' }).catch((e) => e)
    expect(constructorGetter).toBeInstanceOf(Error)
    const getterError = await pool.execute(null, { name: 'throwWithThrowingGetter' }).catch((e) => e)
    expect(getterError).toBeInstanceOf(Error)
    expect(pool.stats().crashed).toBe(0)
    await expect(pool.execute(3)).resolves.toBe(3)
  })

  test('the worker keeps serving and nothing else is touched', async () => {
    const others = Array.from({ length: 20 }, (_, i) => pool.execute({ a: i, b: 1, ms: 5 }, { name: 'addLater' }))
    const failures = Array.from({ length: 10 }, () => pool.execute('x', { name: 'throwTypeError' }).catch((e) => e))
    expect(await Promise.all(others)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1))
    expect((await Promise.all(failures)).every((e) => e instanceof TypeError)).toBe(true)
    const stats = pool.stats()
    expect(stats.workersStarted).toBe(2) // no worker was replaced
    expect(stats.crashed).toBe(0)
    expect(stats.completed).toBe(20)
    expect(stats.failed).toBe(10)
    await expect(pool.execute(9)).resolves.toBe(9)
  })
})
