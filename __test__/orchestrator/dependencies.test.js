'use strict'

const { sleep } = require('../helpers')
const { setup, only, waitForEvents, waitFor } = require('./harness')

describe('dependsOn', () => {
  test('a chain A -> B -> C runs in order, each cycle, each after its dependency succeeded', async () => {
    const { orchestrator, events } = await setup({ workers: 3 })
    orchestrator.register('A', { every: 400, name: 'stamp', payload: { ms: 30 } })
    orchestrator.register('B', { dependsOn: ['A'], name: 'stamp', payload: { ms: 30 } })
    orchestrator.register('C', { dependsOn: ['B'], name: 'stamp', payload: { ms: 30 } })
    await orchestrator.start()
    await waitForEvents(events, 'jobSuccess', { job: 'C', count: 3 })
    const steps = events.filter((e) => e.event === 'jobStart' || e.event === 'jobSuccess').slice(0, 18)
    const cycle = ['A', 'A', 'B', 'B', 'C', 'C']
    expect(steps.map((e) => e.job)).toEqual([...cycle, ...cycle, ...cycle])
    expect(steps.map((e) => e.event)).toEqual(Array(9).fill(['jobStart', 'jobSuccess']).flat())
    for (const start of only(events, 'jobStart').filter((e) => e.job !== 'A')) expect(start.trigger).toBe('dependency')
    // As the workers saw it: each starts after its dependency ended.
    const runs = (job) => only(events, 'jobSuccess', job).map((e) => e.result)
    for (let i = 0; i < 3; i++) {
      expect(runs('B')[i].startedAt).toBeGreaterThanOrEqual(runs('A')[i].endedAt)
      expect(runs('C')[i].startedAt).toBeGreaterThanOrEqual(runs('B')[i].endedAt)
    }
  })

  test('a failed dependency skips its dependent visibly (dependencyFailed)', async () => {
    const { orchestrator, events } = await setup()
    orchestrator.register('fetch', { every: 200, name: 'fail', retries: 0, maxConsecutiveFailures: 0 })
    orchestrator.register('process', { dependsOn: ['fetch'], name: 'stamp' })
    await orchestrator.start()
    const skipped = await waitForEvents(events, 'jobSkipped', { job: 'process', count: 2 })
    expect(skipped.map((s) => s.reason)).toEqual(['dependencyFailed', 'dependencyFailed'])
    expect(only(events, 'jobStart', 'process')).toEqual([])
  })

  test('a scheduled dependent waits for its dependency at its tick, and runs once it has succeeded', async () => {
    const { orchestrator, events } = await setup()
    orchestrator.register('fetch', { name: 'stamp', payload: { ms: 200 } })
    orchestrator.register('report', { every: 300, dependsOn: ['fetch'], name: 'stamp' })
    await orchestrator.start()
    // Its first tick (at start) finds no success of fetch: the run waits.
    await waitFor(() => orchestrator.status().jobs.report.state === 'waiting', 2000, 'report to wait')
    expect(orchestrator.status().waiting).toBe(1)
    // Time left to pass on purpose, past its next tick (300 ms): it still does not run.
    await sleep(400)
    expect(only(events, 'jobStart', 'report')).toEqual([])
    // Never while fetch runs: it starts once fetch has succeeded.
    const fetched = orchestrator.trigger('fetch')
    await waitForEvents(events, 'jobStart', { job: 'fetch' })
    // Time left to pass on purpose while fetch runs (200 ms): report does not start meanwhile.
    // (Should this busy thread come back late, fetch may be over and report started: in order.)
    await sleep(100)
    const fetchEnd = events.findIndex((e) => e.event === 'jobSuccess' && e.job === 'fetch')
    expect(only(fetchEnd === -1 ? events : events.slice(0, fetchEnd), 'jobStart', 'report')).toEqual([])
    const fetch = await fetched
    const [report] = await waitForEvents(events, 'jobSuccess', { job: 'report' })
    expect(events.indexOf(only(events, 'jobStart', 'report')[0])).toBeGreaterThan(events.indexOf(only(events, 'jobSuccess', 'fetch')[0]))
    expect(report.result.startedAt).toBeGreaterThanOrEqual(fetch.endedAt)
    expect(report.result.job.trigger).toBe('schedule')
  })

  test('a dependency that fails while its scheduled dependent waits drops that tick (dependencyFailed)', async () => {
    const { orchestrator, events } = await setup()
    orchestrator.register('fetch', { name: 'fail', retries: 0 })
    orchestrator.register('report', { every: 5000, dependsOn: ['fetch'], name: 'stamp' })
    await orchestrator.start()
    await waitFor(() => orchestrator.status().jobs.report.state === 'waiting', 2000, 'report to wait')
    await expect(orchestrator.trigger('fetch')).rejects.toMatchObject({ code: 'E_JOB' })
    const [skipped] = await waitForEvents(events, 'jobSkipped', { job: 'report' })
    expect(skipped.reason).toBe('dependencyFailed')
    expect(orchestrator.status()).toMatchObject({ waiting: 0, jobs: { report: { state: 'idle', runs: 0 } } })
    expect(only(events, 'jobStart', 'report')).toEqual([])
  })

  test('start() rejects naming unknown dependencies', async () => {
    const { orchestrator } = await setup()
    orchestrator.register('process', { dependsOn: ['fetch-data'], name: 'stamp' })
    await expect(orchestrator.start()).rejects.toMatchObject({ name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE', message: expect.stringContaining('fetch-data') })
    expect(orchestrator.status().state).toBe('stopped')
  })

  test('start() rejects naming the jobs of a cycle', async () => {
    const { orchestrator } = await setup()
    orchestrator.register('alpha', { dependsOn: ['gamma'], name: 'stamp' })
    orchestrator.register('beta', { dependsOn: ['alpha'], name: 'stamp' })
    orchestrator.register('gamma', { dependsOn: ['beta'], name: 'stamp' })
    orchestrator.register('free', { every: 100, name: 'stamp' })
    const error = await orchestrator.start().then(() => null, (rejection) => rejection)
    expect(error).toMatchObject({ name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE' })
    for (const name of ['alpha', 'beta', 'gamma']) expect(error.message).toContain(name)
    expect(error.message).not.toContain('free')
    // Nothing was started: time left to pass on purpose, past the tick 'free' would have had at start.
    await sleep(150)
    expect(orchestrator.status().jobs.free.runs).toBe(0)
  })
})
