'use strict'

const { Orchestrator } = require('../pool-kind')
const { sleep } = require('../helpers')
const { setup, only, waitForEvents } = require('./harness')

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
    // How late the core started each run, against the grid point it ran for.
    // A tick skipped because this process was too busy to start the previous
    // run (on a loaded machine) moves the next run one point on.
    const lateness = []
    let skipped = 0
    for (const event of events.filter((e) => e.job === 'tick')) {
      if (lateness.length === 50) break
      if (event.event === 'jobSkipped') skipped++
      if (event.event === 'jobStart') lateness.push(event.runAt - (anchor + (lateness.length + skipped) * period))
    }
    // Never early: no run before its grid point.
    expect(Math.min(...lateness)).toBeGreaterThanOrEqual(0)
    // No drift: the last runs are as close to their grid points as the first
    // ones (the median of the last ten, so that one late wake-up does not count).
    const lastTen = lateness.slice(-10).sort((a, b) => a - b)
    expect(lastTen[5]).toBeLessThan(30)
    expect(skipped).toBeLessThan(5)
  })

  test('cron with seconds: runs on whole seconds, not at start()', async () => {
    const { orchestrator, events } = await setup()
    orchestrator.register('second', { cron: '* * * * * *', name: 'stamp' })
    const before = Date.now()
    await orchestrator.start()
    const after = Date.now()
    const starts = await waitForEvents(events, 'jobStart', { job: 'second', count: 3, timeoutMs: 6000 })
    // Not at start() (runOnStart is false for cron): at the first whole second after it.
    const first = Math.floor(starts[0].runAt / 1000) * 1000
    expect(first).toBeGreaterThan(before)
    expect(first).toBeLessThanOrEqual(after + 1000)
    // Each started by the core just after its whole second, one second apart.
    for (const start of starts.slice(0, 3)) expect(start.runAt % 1000).toBeLessThan(200)
    const seconds = starts.slice(0, 3).map((start) => Math.floor(start.runAt / 1000))
    expect(seconds[1] - seconds[0]).toBe(1)
    expect(seconds[2] - seconds[1]).toBe(1)
    const successes = await waitForEvents(events, 'jobSuccess', { job: 'second', count: 1 })
    expect(successes[0].result.job).toMatchObject({ name: 'second', attempt: 1, trigger: 'schedule' })
    // The tick it serves, exactly: the whole second, whenever the worker ran.
    const { scheduledAt } = successes[0].result.job
    expect(Object.prototype.toString.call(scheduledAt)).toBe('[object Date]')
    expect(scheduledAt.getTime() % 1000).toBe(0)
    expect(starts[0].scheduledAt).toEqual(scheduledAt)
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
    // Time left to pass on purpose: no run comes by itself meanwhile.
    await sleep(300)
    expect(only(events, 'jobStart')).toEqual([])
    const result = await orchestrator.trigger('manual')
    expect(result.payload).toEqual({ from: 'register' })
    expect(result.job).toEqual({ name: 'manual', runId: expect.any(Number), attempt: 1, trigger: 'manual', scheduledAt: null })
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
      expect(gap).toBeLessThan(gapMs + 500)
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
      expect(wait).toBeLessThan(nominal[i] + 500)
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
    expect(now.runAt - startedAt).toBeLessThan(100)
    const [later] = await waitForEvents(events, 'jobStart', { job: 'later' })
    expect(later.runAt - startedAt).toBeGreaterThanOrEqual(300)
    expect(later.runAt - startedAt).toBeLessThan(500)
    expect(only(events, 'jobStart', 'now')).toHaveLength(1)
  })
})
