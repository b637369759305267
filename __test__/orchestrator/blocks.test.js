'use strict'

const { setup, only, waitForEvents, waitFor, maxOverlap } = require('./harness')

describe('blocks, slots and priorities', () => {
  test('jobs that block each other never run at the same time, over many runs', async () => {
    const { orchestrator, events } = await setup({ workers: 3, maxConcurrentJobs: 3 })
    // Declared on one side only: the exclusion is symmetric.
    orchestrator.register('write', { every: 100, name: 'stamp', payload: { ms: 45 }, blocks: ['compact'] })
    orchestrator.register('compact', { every: 70, name: 'stamp', payload: { ms: 45 } })
    orchestrator.register('free', { every: 50, name: 'stamp', payload: { ms: 45 } })
    await orchestrator.start()
    await waitForEvents(events, 'jobSuccess', { job: 'write', count: 10 })
    await waitForEvents(events, 'jobSuccess', { job: 'compact', count: 10 })
    const runs = (job) => only(events, 'jobSuccess', job).map((e) => e.result)
    expect(maxOverlap([...runs('write'), ...runs('compact')])).toBe(1)
    // The third job is not excluded: it ran alongside the others.
    expect(maxOverlap([...runs('write'), ...runs('compact'), ...runs('free')])).toBeGreaterThan(1)
  })

  test('a blocked run waits rather than being dropped, and runs once the blocker ends', async () => {
    const { orchestrator, events } = await setup()
    orchestrator.register('migrate', { name: 'stamp', payload: { ms: 300 } })
    orchestrator.register('serve', { name: 'stamp', blocks: ['migrate'] })
    await orchestrator.start()
    const migrate = orchestrator.trigger('migrate')
    await waitForEvents(events, 'jobStart', { job: 'migrate' })
    const serve = orchestrator.trigger('serve')
    // Once the core has taken the trigger, serve is waiting for migrate (300 ms), not running.
    await waitFor(() => orchestrator.status().jobs.serve.state !== 'idle', 5000, 'serve to be triggered')
    expect(orchestrator.status()).toMatchObject({ running: 1, waiting: 1, jobs: { serve: { state: 'waiting' } } })
    const [migrated, served] = await Promise.all([migrate, serve])
    expect(served.startedAt).toBeGreaterThanOrEqual(migrated.endedAt)
  })

  test('maxConcurrentJobs is never exceeded', async () => {
    const { orchestrator, events } = await setup({ workers: 4, maxConcurrentJobs: 2 })
    for (const name of ['a', 'b', 'c', 'd', 'e']) orchestrator.register(name, { every: 100, name: 'stamp', payload: { ms: 60 } })
    let running = 0
    let most = 0
    orchestrator.on('jobStart', ({ attempt }) => {
      if (attempt === 1) most = Math.max(most, ++running)
    })
    orchestrator.on('jobSuccess', () => running--)
    await orchestrator.start()
    await waitForEvents(events, 'jobSuccess', { count: 25 })
    expect(most).toBe(2)
    // As the workers saw it too (the pool has room for four).
    expect(maxOverlap(only(events, 'jobSuccess').map((e) => e.result))).toBeLessThanOrEqual(2)
    expect(orchestrator.status().running).toBeLessThanOrEqual(2)
  })

  test('a free slot goes to the highest priority first, first come first served within one', async () => {
    const { orchestrator, events } = await setup({ workers: 2, maxConcurrentJobs: 1 })
    orchestrator.register('hold', { name: 'stamp', payload: { ms: 300 }, priority: 'critical' })
    const order = ['low', 'normal-1', 'high', 'normal-2', 'critical', 'zero']
    const priorities = { low: 'low', 'normal-1': 'normal', high: 'high', 'normal-2': 1, critical: 3, zero: 0 }
    for (const name of order) orchestrator.register(name, { name: 'stamp', priority: priorities[name] })
    await orchestrator.start()
    const hold = orchestrator.trigger('hold')
    await waitForEvents(events, 'jobStart', { job: 'hold' })
    const runs = order.map((name) => orchestrator.trigger(name))
    expect(orchestrator.status().waiting).toBe(order.length)
    await Promise.all([hold, ...runs])
    const started = only(events, 'jobStart').map((e) => e.job)
    expect(started).toEqual(['hold', 'critical', 'high', 'normal-1', 'normal-2', 'low', 'zero'])
  })
})
