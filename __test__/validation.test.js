'use strict'

const { pathToFileURL } = require('node:url')
const { ParallelProcessor } = require('./pool-kind')
const { fixture, readyPool } = require('./helpers')

const tasks = fixture('tasks.js')

describe('bad input to the constructor throws a typed error', () => {
  test('an unknown option is named, with the options there are', () => {
    expect(() => new ParallelProcessor({ workers: 1, filename: tasks, taskTimeoutMS: 100 }))
      .toThrow(/^Unknown pool option "taskTimeoutMS"; the options are workers, minWorkers, .*taskTimeoutMs/)
  })

  test.each([
    ['workers 0', () => new ParallelProcessor(0, { filename: tasks }), RangeError, 'ERR_OUT_OF_RANGE'],
    ['workers -1', () => new ParallelProcessor(-1, { filename: tasks }), RangeError, 'ERR_OUT_OF_RANGE'],
    ['workers 1.5', () => new ParallelProcessor(1.5, { filename: tasks }), RangeError, 'ERR_OUT_OF_RANGE'],
    ['workers 1025', () => new ParallelProcessor({ workers: 1025, filename: tasks }), RangeError, 'ERR_OUT_OF_RANGE'],
    ["workers 'two'", () => new ParallelProcessor('two', { filename: tasks }), TypeError, 'ERR_INVALID_ARG_TYPE'],
    ["workers: 'two' in options", () => new ParallelProcessor({ workers: 'two', filename: tasks }), TypeError, 'ERR_INVALID_ARG_TYPE'],
    ['workers NaN', () => new ParallelProcessor(NaN, { filename: tasks }), RangeError, 'ERR_OUT_OF_RANGE'],
    ['a non-string filename', () => new ParallelProcessor({ workers: 1, filename: 42 }), TypeError, 'ERR_INVALID_ARG_TYPE'],
    ['a relative filename', () => new ParallelProcessor({ workers: 1, filename: 'tasks.js' }), TypeError, 'ERR_INVALID_ARG_VALUE'],
    ['a filename that does not exist', () => new ParallelProcessor({ workers: 1, filename: '/no/such/file.js' }), Error, 'ERR_MODULE_NOT_FOUND'],
    ['a file: URL that does not exist', () => new ParallelProcessor({ workers: 1, filename: pathToFileURL('/no/such.mjs') }), Error, 'ERR_MODULE_NOT_FOUND'],
    ['an unknown kind', () => new ParallelProcessor({ workers: 1, filename: tasks, kind: 'fiber' }), TypeError, 'ERR_INVALID_ARG_VALUE'],
    ['a negative taskTimeoutMs', () => new ParallelProcessor({ workers: 1, filename: tasks, taskTimeoutMs: -1 }), RangeError, 'ERR_OUT_OF_RANGE'],
    ['a huge taskTimeoutMs', () => new ParallelProcessor({ workers: 1, filename: tasks, taskTimeoutMs: Number.MAX_VALUE }), RangeError, 'ERR_OUT_OF_RANGE'],
    ['a string taskTimeoutMs', () => new ParallelProcessor({ workers: 1, filename: tasks, taskTimeoutMs: '5' }), TypeError, 'ERR_INVALID_ARG_TYPE'],
    ['a negative maxQueue', () => new ParallelProcessor({ workers: 1, filename: tasks, maxQueue: -1 }), RangeError, 'ERR_OUT_OF_RANGE'],
    ['options that are not an object', () => new ParallelProcessor(2, 'options'), TypeError, 'ERR_INVALID_ARG_TYPE'],
    ['options that are an array', () => new ParallelProcessor([]), TypeError, 'ERR_INVALID_ARG_TYPE'],
    ['options that are null', () => new ParallelProcessor(null), TypeError, 'ERR_INVALID_ARG_TYPE'],
    ['uncloneable workerData', () => new ParallelProcessor({ workers: 1, filename: tasks, workerData: () => 1 }), TypeError, 'ERR_DATA_CLONE'],
    ['restartBackoffMs that is not an object', () => new ParallelProcessor({ workers: 1, filename: tasks, restartBackoffMs: 100 }), TypeError, 'ERR_INVALID_ARG_TYPE'],
    ['restartBackoffMs with max below initial', () => new ParallelProcessor({ workers: 1, filename: tasks, restartBackoffMs: { initial: 500, max: 100 } }), RangeError, 'ERR_OUT_OF_RANGE'],
    ['maxTasksPerWorker 0', () => new ParallelProcessor({ workers: 1, filename: tasks, maxTasksPerWorker: 0 }), RangeError, 'ERR_OUT_OF_RANGE'],
    ['a negative maxWorkerMemoryMb', () => new ParallelProcessor({ workers: 1, filename: tasks, maxWorkerMemoryMb: -5 }), RangeError, 'ERR_OUT_OF_RANGE'],
    ['an unknown stdio mode', () => new ParallelProcessor({ workers: 1, filename: tasks, kind: 'process', stdio: 'pipe' }), TypeError, 'ERR_INVALID_ARG_VALUE'],
    ['execArgv that is not an array', () => new ParallelProcessor({ workers: 1, filename: tasks, execArgv: '--x' }), TypeError, 'ERR_INVALID_ARG_TYPE'],
    ['a misspelt option', () => new ParallelProcessor({ workers: 1, filname: tasks }), TypeError, 'ERR_INVALID_ARG_VALUE'],
    ["another pool's option", () => new ParallelProcessor({ maxThreads: 4, filename: tasks }), TypeError, 'ERR_INVALID_ARG_VALUE'],
    ['a string niceIncrement', () => new ParallelProcessor({ workers: 1, filename: tasks, niceIncrement: '5' }), TypeError, 'ERR_INVALID_ARG_TYPE'],
    ['a negative niceIncrement', () => new ParallelProcessor({ workers: 1, filename: tasks, niceIncrement: -1 }), RangeError, 'ERR_OUT_OF_RANGE'],
    ['a fractional niceIncrement', () => new ParallelProcessor({ workers: 1, filename: tasks, niceIncrement: 2.5 }), RangeError, 'ERR_OUT_OF_RANGE'],
    ['a NaN niceIncrement', () => new ParallelProcessor({ workers: 1, filename: tasks, niceIncrement: NaN }), RangeError, 'ERR_OUT_OF_RANGE'],
  ])('%s', (_, construct, ErrorClass, code) => {
    let thrown
    try {
      construct()
    } catch (error) {
      thrown = error
    }
    expect(thrown).toBeInstanceOf(ErrorClass)
    expect(thrown.code).toBe(code)
    expect(thrown.message.length).toBeGreaterThan(10)
  })

})

describe('bad input to execute() rejects with a typed error and the pool keeps serving', () => {
  let pool
  beforeAll(() => { pool = new ParallelProcessor(2, { filename: tasks }) })
  afterAll(() => pool.dispose())

  test.each([
    ['a function payload', () => pool.execute(() => 1), TypeError, 'ERR_DATA_CLONE'],
    ['a symbol payload', () => pool.execute(Symbol('s')), TypeError, 'ERR_DATA_CLONE'],
    ['a payload holding a function', () => pool.execute({ nested: { f() {} } }), TypeError, 'ERR_DATA_CLONE'],
    ['a Proxy payload', () => pool.execute(new Proxy({ a: 1 }, {})), TypeError, 'ERR_DATA_CLONE'],
    ['an arguments object', () => pool.execute((function () { return arguments })(1, 2)), TypeError, 'ERR_DATA_CLONE'],
    ['a negative timeout', () => pool.execute(1, { timeoutMs: -5 }), RangeError, 'ERR_OUT_OF_RANGE'],
    ['a string timeout', () => pool.execute(1, { timeoutMs: '100' }), TypeError, 'ERR_INVALID_ARG_TYPE'],
    ['a timeout beyond 2^31-1 ms', () => pool.execute(1, { timeoutMs: 1e22 }), RangeError, 'ERR_OUT_OF_RANGE'],
    ['a NaN timeout', () => pool.execute(1, { timeoutMs: NaN }), RangeError, 'ERR_OUT_OF_RANGE'],
    ['a non-string name', () => pool.execute(1, { name: 42 }), TypeError, 'ERR_INVALID_ARG_TYPE'],
    ['options that are not an object', () => pool.execute(1, 'fast'), TypeError, 'ERR_INVALID_ARG_TYPE'],
    ['a filename that does not exist', () => pool.execute(1, { filename: '/no/such/module.js' }), Error, 'ERR_MODULE_NOT_FOUND'],
    ['an unknown named export', () => pool.execute(1, { name: 'noSuchExport' }), TypeError, 'ERR_HANDLER_NOT_FOUND'],
    ['an export that is not a function', () => pool.execute(1, { name: 'notAFunction' }), TypeError, 'ERR_HANDLER_NOT_FOUND'],
  ])('%s', async (_, run, ErrorClass, code) => {
    const startedBefore = pool.stats().workersStarted
    let promise
    expect(() => { promise = run() }).not.toThrow()
    const error = await promise.catch((e) => e)
    expect(error).toBeInstanceOf(ErrorClass)
    expect(error.code).toBe(code)
    await expect(pool.execute({ a: 1, b: 2 }, { name: 'add' })).resolves.toBe(3)
    expect(pool.stats().workersStarted).toBe(startedBefore)
    expect(pool.stats().crashed).toBe(0)
  })

  test('maxQueue: beyond it execute() rejects with QueueFullError, and the others are unaffected', async () => {
    const small = await readyPool({ workers: 1, filename: tasks, maxQueue: 2 }, { what: 'the worker to be ready' })
    try {
      const accepted = [small.execute(100, { name: 'sleep' }), small.execute(1), small.execute(2)]
      const refused = await small.execute(3).catch((e) => e)
      expect(refused.name).toBe('QueueFullError')
      expect(refused.code).toBe('ERR_QUEUE_FULL')
      expect(await Promise.all(accepted)).toEqual([100, 1, 2])
      await expect(small.execute(4)).resolves.toBe(4)
    } finally {
      await small.dispose()
    }
  })
})
