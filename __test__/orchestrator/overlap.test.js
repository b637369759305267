'use strict'

const { setup, only, waitForEvents, blockEventLoop, maxOverlap } = require('./harness')

describe('no overlap, no pile-up', () => {
  test('a tick that finds the job running is skipped with reason overlap; runs never overlap', async () => {
    const { orchestrator, events } = await setup({ workers: 4 })
    // Each run lasts three and a half periods.
    orchestrator.register('slow', { every: 100, name: 'stamp', payload: { ms: 350 } })
    await orchestrator.start()
    const successes = await waitForEvents(events, 'jobSuccess', { job: 'slow', count: 4 })
    const runs = successes.map((success) => success.result)
    expect(maxOverlap(runs)).toBe(1)
    // Three ticks fall inside each run: skipped, not queued behind it.
    const skipped = only(events, 'jobSkipped', 'slow')
    expect(skipped.length).toBeGreaterThanOrEqual(3 * 3)
    expect(new Set(skipped.map((s) => s.reason))).toEqual(new Set(['overlap']))
    expect(orchestrator.status().jobs.slow.runs).toBeGreaterThanOrEqual(4)
  })

  test('missed ticks coalesce: an event loop blocked for 3 s gives one run, not six', async () => {
    const { orchestrator, events } = await setup()
    const period = 500
    orchestrator.register('tick', { every: period, runOnStart: false, name: 'stamp' })
    await orchestrator.start()
    const anchor = orchestrator.status().jobs.tick.nextRunAt.getTime() - period
    await waitForEvents(events, 'jobSuccess', { job: 'tick', count: 1 })
    // Right after the first run (near anchor + 500): six grid points pass while blocked.
    const before = only(events, 'jobStart', 'tick').length
    blockEventLoop(6 * period)
    // The late run, and the one after it.
    const [late, next] = (await waitForEvents(events, 'jobStart', { job: 'tick', count: before + 2 })).slice(before)
    // One run for the missed ticks: the next is at a later grid point, not right behind the late one
    // (as the core saw them: runAt does not depend on when this busy thread heard of them).
    const gridPoint = (start) => Math.floor((start.runAt - anchor) / period)
    expect(gridPoint(next)).toBeGreaterThan(gridPoint(late))
    // And the grid goes on: the next run is on its grid point, not one period after the late run.
    expect((next.runAt - anchor) % period).toBeLessThan(50)
    expect(only(events, 'jobFailure')).toEqual([])
  })
})
