'use strict'

const { Orchestrator } = require('../pool-kind')
const { setup, only, waitForEvents, sleep } = require('./harness')

describe('modes', () => {
  test('every: a fixed rate on the grid of start(), with no drift over 50 runs', async () => {
    const { orchestrator, events } = await setup()
    const period = 100
    orchestrator.register('tick', { every: period, name: 'stamp' })
    await orchestrator.start()
    // The grid's origin, as the scheduler armed it: one period before the next tick.
    const anchor = orchestrator.status().jobs.tick.nextRunAt.getTime() - period
    const starts = await waitForEvents(events, 'jobStart', { job: 'tick', count: 50, timeoutMs: 15000 })
    // runOnStart (the default for every): the first run at start(), then one per period.
    expect(starts[0].trigger).toBe('schedule')
    // Each start is seen near its grid point: late by the time it takes to be
    // told, never early, and the error does not grow with the run's number.
    starts.slice(0, 50).forEach((start, k) => {
      const late = start.at - (anchor + k * period)
      expect(late).toBeGreaterThanOrEqual(-1)
      expect(late).toBeLessThan(60)
    })
    // No drift: the last run is 49 periods after the first, give or take the noise of one.
    expect(starts[49].at - starts[0].at).toBeGreaterThan(49 * period - 60)
    expect(starts[49].at - starts[0].at).toBeLessThan(49 * period + 60)
    expect(only(events, 'jobSkipped')).toEqual([])
  })

  test('cron with seconds: runs on whole seconds, not at start()', async () => {
    const { orchestrator, events } = await setup()
    orchestrator.register('second', { cron: '* * * * * *', name: 'stamp' })
    const before = Date.now()
    await orchestrator.start()
    const after = Date.now()
    const starts = await waitForEvents(events, 'jobStart', { job: 'second', count: 3, timeoutMs: 6000 })
    // Not at start() (runOnStart is false for cron): at the first whole second after it.
    const first = Math.floor(starts[0].at / 1000) * 1000
    expect(first).toBeGreaterThan(before)
    expect(first).toBeLessThanOrEqual(after + 1000)
    for (const start of starts.slice(0, 3)) expect(start.at % 1000).toBeLessThan(100)
    const seconds = starts.slice(0, 3).map((start) => Math.floor(start.at / 1000))
    expect(seconds[1] - seconds[0]).toBe(1)
    expect(seconds[2] - seconds[1]).toBe(1)
    const successes = await waitForEvents(events, 'jobSuccess', { job: 'second', count: 1 })
    expect(successes[0].result.job).toMatchObject({ name: 'second', attempt: 1, trigger: 'schedule' })
  })

  test('cron: the next run is the one Orchestrator.nextRuns() gives, in the job\'s zone (L, W and #)', async () => {
    const { orchestrator } = await setup()
    const jobs = {
      lastDay: { cron: '0 12 L * *', timeZone: 'Europe/Paris' },
      weekday: { cron: '30 9 15W * *', timeZone: 'America/New_York' },
      secondMonday: { cron: '0 8 * * 1#2', timeZone: 'Australia/Lord_Howe' },
    }
    for (const [name, options] of Object.entries(jobs)) orchestrator.register(name, { ...options, name: 'stamp' })
    const before = new Date()
    await orchestrator.start()
    const { jobs: status } = orchestrator.status()
    for (const [name, { cron, timeZone }] of Object.entries(jobs)) {
      const [expected] = Orchestrator.nextRuns(cron, { from: before, timeZone })
      expect(status[name].nextRunAt).toEqual(expected)
    }
  })

  test('triggered: runs only when triggered, and resolves with its result', async () => {
    const { orchestrator, events } = await setup()
    orchestrator.register('manual', { name: 'context', payload: { from: 'register' } })
    await orchestrator.start()
    await sleep(300)
    expect(only(events, 'jobStart')).toEqual([])
    const result = await orchestrator.trigger('manual')
    expect(result.payload).toEqual({ from: 'register' })
    expect(result.job).toEqual({ name: 'manual', runId: expect.any(Number), attempt: 1, trigger: 'manual' })
    // A payload given to trigger() is that run's.
    expect((await orchestrator.trigger('manual', { from: 'trigger' })).payload).toEqual({ from: 'trigger' })
    expect(orchestrator.status().jobs.manual).toMatchObject({ mode: 'triggered', runs: 2, successes: 2, nextRunAt: null })
  })

  test('continuous: back to back with gapMs between the end of a run and the next start', async () => {
    const { orchestrator, events } = await setup()
    const gapMs = 80
    orchestrator.register('loop', { mode: 'continuous', gapMs, name: 'stamp', payload: { ms: 20 } })
    await orchestrator.start()
    const successes = await waitForEvents(events, 'jobSuccess', { job: 'loop', count: 5 })
    const starts = only(events, 'jobStart', 'loop')
    expect(starts[0].trigger).toBe('continuous')
    for (let i = 0; i < 4; i++) {
      // Measured in the worker: from the end of one run to the start of the next.
      const gap = successes[i + 1].result.startedAt - successes[i].result.endedAt
      expect(gap).toBeGreaterThanOrEqual(gapMs - 5)
      expect(gap).toBeLessThan(gapMs + 150)
    }
  })

  test('continuous: after a failed run the next start waits the back-off curve, not gapMs', async () => {
    const { orchestrator, events } = await setup()
    orchestrator.register('flaky', {
      mode: 'continuous',
      gapMs: 0,
      name: 'fail',
      retries: 0,
      maxConsecutiveFailures: 0,
      retryBackoffMs: { initial: 100, max: 400 },
    })
    await orchestrator.start()
    const failures = await waitForEvents(events, 'jobFailure', { job: 'flaky', count: 4 })
    const starts = only(events, 'jobStart', 'flaky')
    // After the n-th failure in a row: 100 * 2^(n-1) ms (capped at 400), less at most a quarter of jitter.
    const nominal = [100, 200, 400]
    for (let i = 0; i < 3; i++) {
      const wait = starts[i + 1].at - failures[i].at
      expect(wait).toBeGreaterThanOrEqual(nominal[i] * 0.75 - 5)
      expect(wait).toBeLessThan(nominal[i] + 150)
    }
    expect(failures.every((failure) => failure.willRetry === false)).toBe(true)
  })

  test('runOnStart: false delays an every job by one period; true runs a cron job at start()', async () => {
    const { orchestrator, events } = await setup()
    orchestrator.register('later', { every: 300, runOnStart: false, name: 'stamp' })
    orchestrator.register('now', { cron: '0 0 1 1 *', runOnStart: true, name: 'stamp' })
    const startedAt = Date.now()
    await orchestrator.start()
    const [now] = await waitForEvents(events, 'jobStart', { job: 'now' })
    expect(now.at - startedAt).toBeLessThan(100)
    const [later] = await waitForEvents(events, 'jobStart', { job: 'later' })
    expect(later.at - startedAt).toBeGreaterThanOrEqual(295)
    expect(later.at - startedAt).toBeLessThan(400)
    expect(only(events, 'jobStart', 'now')).toHaveLength(1)
  })
})
