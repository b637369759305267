'use strict'

const { OrchestratorStoppedError } = require('../pool-kind')
const { track, fixture, runNode } = require('../helpers')
const { setup, only, waitForEvents, waitFor } = require('./harness')

describe('stop()', () => {
  test('lets a running job finish, then resolves; no new runs start', async () => {
    const { orchestrator, events } = await setup()
    orchestrator.register('slow', { every: 100, name: 'stamp', payload: { ms: 300 } })
    await orchestrator.start()
    await waitForEvents(events, 'jobStart', { job: 'slow' })
    const stopped = orchestrator.stop({ timeoutMs: 5000 })
    expect(orchestrator.status().state).toBe('stopping')
    await stopped
    const [success] = only(events, 'jobSuccess', 'slow')
    // It ran its 300 ms whole (a run cut short would end at once); the two
    // stamps are whole milliseconds of a clock other than the worker's timer.
    expect(success.result.endedAt - success.result.startedAt).toBeGreaterThanOrEqual(295)
    expect(only(events, 'jobStart')).toHaveLength(1)
    expect(only(events, 'jobFailure')).toEqual([])
    expect(orchestrator.status()).toMatchObject({ state: 'stopped', running: 0, waiting: 0 })
  })

  test('ticks that fall due while it stops are skipped (stopping)', async () => {
    const { orchestrator, events } = await setup()
    orchestrator.register('slow', { name: 'stamp', payload: { ms: 400 } })
    orchestrator.register('tick', { every: 50, runOnStart: false, name: 'stamp' })
    await orchestrator.start()
    const slow = orchestrator.trigger('slow')
    await waitForEvents(events, 'jobStart', { job: 'slow' })
    const ticks = only(events, 'jobStart', 'tick').length
    await orchestrator.stop()
    await slow
    expect(only(events, 'jobStart', 'tick')).toHaveLength(ticks)
    const skipped = only(events, 'jobSkipped', 'tick')
    expect(skipped.length).toBeGreaterThanOrEqual(3)
    expect(new Set(skipped.map((s) => s.reason))).toEqual(new Set(['stopping']))
  })

  test('aborts a run still going after timeoutMs: its worker is terminated, its promise rejects', async () => {
    const { pool, orchestrator, events } = await setup()
    orchestrator.register('stuck', { name: 'spin', timeoutMs: 0, retries: 3 })
    await orchestrator.start()
    const run = orchestrator.trigger('stuck')
    await waitForEvents(events, 'jobStart', { job: 'stuck' })
    const stoppedAt = Date.now()
    const outcomes = track([run, orchestrator.stop({ timeoutMs: 200 })])
    const [aborted, stopped] = await outcomes.settled(5000)
    expect(Date.now() - stoppedAt).toBeGreaterThanOrEqual(195)
    expect(stopped.status).toBe('fulfilled')
    expect(aborted.status).toBe('rejected')
    expect(aborted.value).toBeInstanceOf(OrchestratorStoppedError)
    // Not retried while stopping, and not a failure of its job: a deploy that
    // cuts a long run short must not count towards disabling it.
    expect(only(events, 'jobFailure')).toEqual([])
    expect(only(events, 'jobStart')).toHaveLength(1)
    expect(orchestrator.status().jobs.stuck).toMatchObject({ failures: 0, consecutiveFailures: 0 })
    expect(orchestrator.deadLetters()).toEqual([])
    // The pool was told to abort the task: its worker, spinning, was terminated and replaced.
    await waitFor(() => pool.stats().aborted === 1, 5000, 'the pool to abort the task')
    await expect(pool.execute({ ms: 1 }, { name: 'stamp' })).resolves.toBeDefined()
  })

  test('a second stop() with a shorter timeoutMs brings the abort closer', async () => {
    const { orchestrator, events } = await setup()
    orchestrator.register('stuck', { name: 'spin', timeoutMs: 0 })
    await orchestrator.start()
    const run = orchestrator.trigger('stuck').catch((error) => error)
    await waitForEvents(events, 'jobStart', { job: 'stuck' })
    const first = orchestrator.stop({ timeoutMs: 60000 })
    const second = orchestrator.stop({ timeoutMs: 0 })
    expect(second).toBe(first)
    await track([first]).settled(5000)
    expect(await run).toBeInstanceOf(OrchestratorStoppedError)
  })

  test('a start() queued behind a stop is cancelled by a later stop(): the orchestrator ends stopped', async () => {
    const { orchestrator, events } = await setup()
    orchestrator.register('slow', { name: 'stamp', payload: { ms: 200 } })
    await orchestrator.start()
    orchestrator.trigger('slow')
    await waitForEvents(events, 'jobStart', { job: 'slow' })
    orchestrator.stop()
    const restart = orchestrator.start().catch((error) => error)
    await orchestrator.stop()
    expect(await restart).toBeInstanceOf(OrchestratorStoppedError)
    expect(orchestrator.status().state).toBe('stopped')
  })

  test('aborts a run function past timeoutMs through its signal', async () => {
    const { orchestrator } = await setup()
    let signal
    orchestrator.register('wait', {
      timeoutMs: 0,
      run: (payload, ctx) => {
        signal = ctx.signal
        return new Promise((resolve, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason)))
      },
    })
    await orchestrator.start()
    const run = orchestrator.trigger('wait')
    await orchestrator.stop({ timeoutMs: 100 })
    await expect(run).rejects.toBeInstanceOf(OrchestratorStoppedError)
    expect(signal.aborted).toBe(true)
  })

  test('settles every promise it handed out: running, waiting and retrying runs alike', async () => {
    const { orchestrator, events } = await setup({ maxConcurrentJobs: 2 })
    orchestrator.register('running', { name: 'stamp', payload: { ms: 200 } })
    orchestrator.register('retrying', { name: 'fail', retries: 2, retryBackoffMs: { initial: 5000, max: 5000 } })
    orchestrator.register('waiting1', { name: 'stamp' })
    orchestrator.register('waiting2', { name: 'stamp' })
    await orchestrator.start()
    const promises = ['running', 'retrying', 'waiting1', 'waiting2'].map((name) => orchestrator.trigger(name))
    const outcomes = track(promises)
    await waitForEvents(events, 'jobFailure', { job: 'retrying' })
    expect(orchestrator.status()).toMatchObject({ running: 2, waiting: 2 })
    const stops = track([orchestrator.stop({ timeoutMs: 5000 }), orchestrator.stop()])
    const [running, retrying, waiting1, waiting2] = await outcomes.settled()
    await stops.settled()
    expect(running.status).toBe('fulfilled')
    // A run waiting for its retry is cancelled, with its last error or as stopped; never left pending.
    expect(retrying.status).toBe('rejected')
    for (const waiting of [waiting1, waiting2]) {
      expect(waiting.status).toBe('rejected')
      expect(waiting.value).toBeInstanceOf(OrchestratorStoppedError)
    }
    expect(only(events, 'jobStart', 'waiting1')).toEqual([])
  })

  test('is idempotent, resolves at once when not started, and start() after it starts afresh', async () => {
    const { orchestrator, events } = await setup()
    orchestrator.register('tick', { every: 60000, name: 'stamp' })
    await expect(orchestrator.stop()).resolves.toBeUndefined()
    await orchestrator.start()
    await orchestrator.start()
    await waitForEvents(events, 'jobSuccess', { job: 'tick' })
    const stops = track([orchestrator.stop(), orchestrator.stop()])
    expect((await stops.settled()).map((o) => o.status)).toEqual(['fulfilled', 'fulfilled'])
    await orchestrator.stop()
    await orchestrator.start()
    // A fresh start: runOnStart runs it again.
    await waitForEvents(events, 'jobSuccess', { job: 'tick', count: 2 })
    expect(orchestrator.status().state).toBe('running')
  })

  test('rejects invalid options', async () => {
    const { orchestrator } = await setup()
    await expect(orchestrator.stop({ timeoutMs: -1 })).rejects.toMatchObject({ code: 'ERR_OUT_OF_RANGE' })
    await expect(orchestrator.stop(5)).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_TYPE' })
  })
})

test('after stop() a script exits by itself, its pool left running and never disposed', async () => {
  const run = await runNode([fixture('script-orchestrator-stop.js')])
  expect(run).toMatchObject({ code: 0, killed: false, stderr: '' })
  const report = JSON.parse(run.stdout)
  expect(report.runs).toBeGreaterThanOrEqual(2)
  expect(report.state).toBe('stopped')
  // It left soon after stop() resolved: nothing of the orchestrator held it.
  expect(run.ms).toBeLessThan(5000)
})
