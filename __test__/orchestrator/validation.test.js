'use strict'

const { Orchestrator } = require('../pool-kind')
const { fixture } = require('../helpers')
const { setup } = require('./harness')

const typeError = { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' }
const valueError = { name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE' }
const rangeError = { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' }

/** The error `fn` throws, or 'nothing thrown'. */
function thrown(fn) {
  try {
    fn()
  } catch (error) {
    return error
  }
  return 'nothing thrown'
}

describe('new Orchestrator(pool, options)', () => {
  test('needs a pool', () => {
    for (const pool of [undefined, null, {}, { execute() {} }]) expect(thrown(() => new Orchestrator(pool))).toMatchObject(typeError)
  })

  test('validates its options', async () => {
    const { pool } = await setup()
    expect(thrown(() => new Orchestrator(pool, 5))).toMatchObject(typeError)
    expect(thrown(() => new Orchestrator(pool, { maxConcurrentJobs: '2' }))).toMatchObject(typeError)
    expect(thrown(() => new Orchestrator(pool, { maxConcurrentJobs: 0 }))).toMatchObject(rangeError)
    expect(thrown(() => new Orchestrator(pool, { maxConcurrentJobs: 1.5 }))).toMatchObject(rangeError)
    expect(thrown(() => new Orchestrator(pool, { deadLetterLimit: -1 }))).toMatchObject(rangeError)
  })
})

describe('register(jobName, options)', () => {
  test('throws Node-style errors for invalid options, and registers nothing', async () => {
    const { orchestrator } = await setup()
    const cases = [
      [() => orchestrator.register(1, {}), typeError],
      [() => orchestrator.register('', {}), valueError],
      [() => orchestrator.register('j', 'x'), typeError],
      [() => orchestrator.register('j', { mode: 'sometimes' }), valueError],
      [() => orchestrator.register('j', { mode: 'scheduled' }), valueError],
      [() => orchestrator.register('j', { mode: 'triggered', every: 100 }), valueError],
      [() => orchestrator.register('j', { every: 100, cron: '* * * * *' }), valueError],
      [() => orchestrator.register('j', { every: '100' }), typeError],
      [() => orchestrator.register('j', { every: 0 }), rangeError],
      [() => orchestrator.register('j', { every: 10.5 }), rangeError],
      [() => orchestrator.register('j', { cron: 5 }), typeError],
      [() => orchestrator.register('j', { cron: '61 * * * *' }), valueError],
      [() => orchestrator.register('j', { cron: 'every day' }), valueError],
      [() => orchestrator.register('j', { cron: '* * * * *', timeZone: 'Mars/Olympus_Mons' }), valueError],
      [() => orchestrator.register('j', { cron: '* * * * *', timeZone: 1 }), typeError],
      [() => orchestrator.register('j', { every: 100, timeZone: 'UTC' }), valueError],
      [() => orchestrator.register('j', { gapMs: 10 }), valueError],
      [() => orchestrator.register('j', { mode: 'continuous', gapMs: -1 }), rangeError],
      [() => orchestrator.register('j', { every: 100, runOnStart: 'yes' }), typeError],
      [() => orchestrator.register('j', { run: 'fn' }), typeError],
      [() => orchestrator.register('j', { run: () => {}, name: 'stamp' }), valueError],
      [() => orchestrator.register('j', { name: 5 }), typeError],
      [() => orchestrator.register('j', { filename: 'jobs.js' }), valueError],
      [() => orchestrator.register('j', { filename: fixture('missing.js') }), { code: 'ERR_MODULE_NOT_FOUND' }],
      [() => orchestrator.register('j', { payload: () => {} }), { name: 'TypeError', code: 'ERR_DATA_CLONE' }],
      [() => orchestrator.register('j', { timeoutMs: -1 }), rangeError],
      [() => orchestrator.register('j', { timeoutMs: '1' }), typeError],
      [() => orchestrator.register('j', { retries: -1 }), rangeError],
      [() => orchestrator.register('j', { retries: 1.5 }), rangeError],
      [() => orchestrator.register('j', { retryBackoffMs: 100 }), typeError],
      [() => orchestrator.register('j', { retryBackoffMs: { initial: 200, max: 100 } }), rangeError],
      [() => orchestrator.register('j', { priority: 'urgent' }), valueError],
      [() => orchestrator.register('j', { priority: 4 }), rangeError],
      [() => orchestrator.register('j', { priority: true }), typeError],
      [() => orchestrator.register('j', { maxConsecutiveFailures: -1 }), rangeError],
      [() => orchestrator.register('j', { breaker: 100 }), typeError],
      [() => orchestrator.register('j', { breaker: {} }), valueError],
      [() => orchestrator.register('j', { breaker: { cooldownMs: 0 } }), rangeError],
      [() => orchestrator.register('j', { dependsOn: 'a' }), typeError],
      [() => orchestrator.register('j', { dependsOn: [1] }), typeError],
      [() => orchestrator.register('j', { blocks: [''] }), valueError],
    ]
    // Numbered, so that a failure says which case.
    for (const [i, [register, expected]] of cases.entries()) expect({ case: i, error: thrown(register) }).toMatchObject({ case: i, error: expected })
    expect(orchestrator.status().jobs).toEqual({})
  })

  test('a duplicate name is ERR_INVALID_ARG_VALUE', async () => {
    const { orchestrator } = await setup()
    orchestrator.register('job', { name: 'stamp' })
    expect(thrown(() => orchestrator.register('job', { name: 'stamp' }))).toMatchObject({ ...valueError, message: expect.stringContaining('job') })
  })

  test('a misspelt name in blocks makes start() reject, naming it', async () => {
    const { orchestrator } = await setup()
    orchestrator.register('cleanup', { name: 'stamp', blocks: ['proces-data'] })
    orchestrator.register('process-data', { name: 'stamp' })
    await expect(orchestrator.start()).rejects.toMatchObject({ ...valueError, message: expect.stringContaining("'proces-data'") })
  })

  test('unregister() of a job another depends on throws ERR_INVALID_ARG_VALUE; a job name must be well-formed', async () => {
    const { orchestrator } = await setup()
    orchestrator.register('a', { name: 'stamp' })
    orchestrator.register('b', { name: 'stamp', dependsOn: ['a'] })
    await orchestrator.start()
    expect(thrown(() => orchestrator.unregister('a'))).toMatchObject(valueError)
    expect(thrown(() => orchestrator.register('job\uD800', { name: 'stamp' }))).toMatchObject(valueError)
    expect(thrown(() => orchestrator.register('huge', { name: 'stamp', every: Number.MAX_SAFE_INTEGER }))).toMatchObject(rangeError)
  })

  test('a misspelt option is refused, naming it, rather than changing the job silently', async () => {
    const { orchestrator } = await setup()
    expect(thrown(() => orchestrator.register('job', { evry: 500, name: 'stamp' })))
      .toMatchObject({ ...valueError, message: expect.stringContaining('"evry"') })
    expect(orchestrator.status().jobs).toEqual({})
  })

  test('a job needs a module: its own, or the pool\'s', async () => {
    const { ParallelProcessor } = require('../pool-kind')
    const pool = new ParallelProcessor(1)
    try {
      const orchestrator = new Orchestrator(pool)
      expect(thrown(() => orchestrator.register('job', {}))).toMatchObject(valueError)
      orchestrator.register('with-file', { filename: fixture('jobs.js'), name: 'stamp' })
      orchestrator.register('inline', { run: () => 1 })
      await orchestrator.start()
      await expect(orchestrator.trigger('with-file')).resolves.toMatchObject({ job: { name: 'with-file' } })
      await expect(orchestrator.trigger('inline')).resolves.toBe(1)
      await orchestrator.stop()
    } finally {
      await pool.dispose()
    }
  })

  test('the defaults of the contract', async () => {
    const { orchestrator } = await setup()
    orchestrator.register('every', { every: 60000, name: 'stamp' })
    orchestrator.register('cron', { cron: '0 0 1 1 *', name: 'stamp' })
    orchestrator.register('plain', {})
    orchestrator.register('loop', { mode: 'continuous', name: 'stamp', payload: { ms: 100 } })
    expect(Object.fromEntries(Object.entries(orchestrator.status().jobs).map(([name, job]) => [name, job.mode]))).toEqual({
      every: 'scheduled',
      cron: 'scheduled',
      plain: 'triggered',
      loop: 'continuous',
    })
    const starts = []
    orchestrator.on('jobStart', ({ job }) => starts.push(job))
    await orchestrator.start()
    // runOnStart: true for every, false for cron; a continuous job starts at start().
    expect(starts.sort()).toEqual(['every', 'loop'])
  })
})

describe('Orchestrator.nextRuns()', () => {
  test('gives the next fire times as Dates', () => {
    const from = new Date('2030-01-01T00:00:00Z')
    expect(Orchestrator.nextRuns('*/15 * * * *', { from, count: 3, timeZone: 'UTC' })).toEqual([
      new Date('2030-01-01T00:15:00Z'),
      new Date('2030-01-01T00:30:00Z'),
      new Date('2030-01-01T00:45:00Z'),
    ])
    expect(Orchestrator.nextRuns('0 12 * * *', { from, timeZone: 'Europe/Paris' })).toEqual([new Date('2030-01-01T11:00:00Z')])
    const [next] = Orchestrator.nextRuns('* * * * * *')
    expect(next.getTime() - Date.now()).toBeLessThanOrEqual(1000)
  })

  test('validates its arguments', () => {
    expect(thrown(() => Orchestrator.nextRuns(5))).toMatchObject(typeError)
    expect(thrown(() => Orchestrator.nextRuns('* * * * *', { count: 0 }))).toMatchObject(rangeError)
    expect(thrown(() => Orchestrator.nextRuns('* * * * *', { from: 'today' }))).toMatchObject(typeError)
    expect(thrown(() => Orchestrator.nextRuns('* * * * *', { from: new Date(NaN) }))).toMatchObject(rangeError)
    expect(thrown(() => Orchestrator.nextRuns('not cron'))).toMatchObject(valueError)
    expect(thrown(() => Orchestrator.nextRuns('* * * * *', { timeZone: 'Nowhere/Land' }))).toMatchObject(valueError)
  })
})
