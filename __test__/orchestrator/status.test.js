'use strict'

const { Orchestrator } = require('../pool-kind')
const { setup, waitForEvents, waitFor } = require('./harness')

const idleJob = (mode) => ({
  mode,
  enabled: true,
  state: 'idle',
  runs: 0,
  successes: 0,
  failures: 0,
  consecutiveFailures: 0,
  lastRunAt: null,
  lastSuccessAt: null,
  lastError: null,
  lastDurationMs: null,
  nextRunAt: null,
})

describe('status()', () => {
  test('before start(): every job idle, nothing armed', async () => {
    const { orchestrator } = await setup()
    orchestrator.register('tick', { every: 1000, name: 'stamp' })
    orchestrator.register('manual', { name: 'stamp' })
    expect(orchestrator.status()).toEqual({
      state: 'stopped',
      running: 0,
      waiting: 0,
      healthy: false,
      deadLetters: 0,
      jobs: { tick: idleJob('scheduled'), manual: idleJob('triggered') },
    })
  })

  test('counts, times and nextRunAt exactly as the scheduler has them', async () => {
    const { orchestrator, events } = await setup()
    const period = 60000
    orchestrator.register('tick', { every: period, name: 'stamp', payload: { ms: 20 } })
    orchestrator.register('nightly', { cron: '0 3 * * *', timeZone: 'Europe/Paris', name: 'stamp' })
    orchestrator.register('manual', { name: 'fail', retries: 0 })
    orchestrator.register('loop', { mode: 'continuous', gapMs: 60000, name: 'stamp' })
    const before = new Date()
    await orchestrator.start()
    await waitForEvents(events, 'jobSuccess', { job: 'tick' })
    await waitForEvents(events, 'jobSuccess', { job: 'loop' })
    await expect(orchestrator.trigger('manual', { message: 'it broke' })).rejects.toThrow('it broke')
    const status = orchestrator.status()
    expect(status).toMatchObject({ state: 'running', running: 0, waiting: 0, deadLetters: 1, healthy: false })
    const { tick, nightly, manual, loop } = status.jobs
    expect(tick).toEqual({
      mode: 'scheduled',
      enabled: true,
      state: 'idle',
      runs: 1,
      successes: 1,
      failures: 0,
      consecutiveFailures: 0,
      lastRunAt: expect.any(Date),
      lastSuccessAt: expect.any(Date),
      lastError: null,
      lastDurationMs: expect.any(Number),
      nextRunAt: expect.any(Date),
    })
    // Its first run started at start(), the grid's origin; the next is one
    // period later. `lastRunAt` is when the main thread took the run, a
    // millisecond or so after the grid's instant on a busy machine.
    const sinceRun = tick.nextRunAt.getTime() - tick.lastRunAt.getTime()
    expect(sinceRun).toBeLessThanOrEqual(period)
    expect(sinceRun).toBeGreaterThan(period - 100)
    expect(tick.lastRunAt.getTime()).toBeGreaterThanOrEqual(before.getTime())
    expect(tick.lastSuccessAt.getTime() - tick.lastRunAt.getTime()).toBeGreaterThanOrEqual(20)
    expect(tick.lastDurationMs).toBeGreaterThanOrEqual(20)
    expect(tick.lastDurationMs).toBeLessThan(1000)
    expect(nightly).toEqual({ ...idleJob('scheduled'), nextRunAt: Orchestrator.nextRuns('0 3 * * *', { from: before, timeZone: 'Europe/Paris' })[0] })
    expect(manual).toMatchObject({ mode: 'triggered', state: 'idle', runs: 1, successes: 0, failures: 1, consecutiveFailures: 1, lastError: 'it broke', lastSuccessAt: null, nextRunAt: null })
    expect(loop).toMatchObject({ mode: 'continuous', runs: 1, successes: 1 })
    // A continuous job's next start is armed too: gapMs after its run ended.
    expect(loop.nextRunAt.getTime()).toBeGreaterThanOrEqual(loop.lastSuccessAt.getTime() + 60000 - 1)
    expect(loop.nextRunAt.getTime()).toBeLessThanOrEqual(loop.lastSuccessAt.getTime() + 60000 + 1)
  })

  test('healthy while running with no failing job', async () => {
    const { orchestrator, events } = await setup()
    orchestrator.register('tick', { every: 60000, name: 'stamp' })
    await orchestrator.start()
    await waitForEvents(events, 'jobSuccess', { job: 'tick' })
    expect(orchestrator.status().healthy).toBe(true)
    await orchestrator.stop()
    expect(orchestrator.status()).toMatchObject({ state: 'stopped', healthy: false, jobs: { tick: { nextRunAt: null, runs: 1 } } })
  })

  test('running, waiting and retrying runs, as they are', async () => {
    const { orchestrator, events } = await setup({ maxConcurrentJobs: 2 })
    orchestrator.register('hold', { name: 'stamp', payload: { ms: 400 } })
    orchestrator.register('retrying', { name: 'fail', retries: 1, retryBackoffMs: { initial: 2000, max: 2000 } })
    orchestrator.register('queued', { name: 'stamp' })
    await orchestrator.start()
    const runs = [orchestrator.trigger('hold'), orchestrator.trigger('retrying'), orchestrator.trigger('queued')]
    for (const run of runs) run.catch(() => {})
    await waitForEvents(events, 'jobFailure', { job: 'retrying' })
    const status = orchestrator.status()
    // A run waiting for its retry keeps its slot: the third waits.
    expect(status).toMatchObject({ running: 2, waiting: 1 })
    expect(status.jobs.hold.state).toBe('running')
    expect(status.jobs.retrying.state).toBe('retrying')
    expect(status.jobs.queued.state).toBe('waiting')
    await runs[0]
    await waitFor(() => orchestrator.status().jobs.queued.runs === 1, 2000, 'the queued run')
  })
})
