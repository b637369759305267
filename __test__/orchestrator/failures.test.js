'use strict'

const fs = require('node:fs')
const { TimeoutError, WorkerCrashedError } = require('../pool-kind')
const { setup, only, waitForEvents, tempPath } = require('./harness')

/** A file whose existence makes the failWhile export fail. */
function failSwitch() {
  const file = tempPath('fail')
  fs.writeFileSync(file, '')
  return { file, off: () => fs.rmSync(file) }
}

describe('timeouts', () => {
  test('timeoutMs ends a job stuck in while (true) through the pool, and counts as a failure', async () => {
    const { pool, orchestrator, events } = await setup()
    orchestrator.register('stuck', { name: 'spin', timeoutMs: 200, retries: 0 })
    orchestrator.register('echo', { name: 'stamp' })
    await orchestrator.start()
    const error = await orchestrator.trigger('stuck').then(() => null, (rejection) => rejection)
    expect(error).toBeInstanceOf(TimeoutError)
    expect(error).toMatchObject({ code: 'ERR_TASK_TIMEOUT', timeoutMs: 200 })
    expect(only(events, 'jobFailure', 'stuck')).toEqual([expect.objectContaining({ error, willRetry: false, attempt: 1 })])
    expect(orchestrator.status().jobs.stuck).toMatchObject({ runs: 1, failures: 1, consecutiveFailures: 1, lastError: error.message })
    // Its worker was terminated and replaced: the pool serves on.
    expect(pool.stats().timedOut).toBe(1)
    await expect(orchestrator.trigger('echo')).resolves.toMatchObject({ job: { name: 'echo' } })
  })

  test('a run function on the main thread past its timeoutMs has its signal aborted and fails', async () => {
    const { orchestrator } = await setup()
    let signal
    orchestrator.register('hang', {
      timeoutMs: 100,
      retries: 0,
      run: (payload, ctx) => {
        signal = ctx.signal
        return new Promise(() => {}) // ignores its signal: the run fails all the same
      },
    })
    await orchestrator.start()
    const startedAt = Date.now()
    const error = await orchestrator.trigger('hang').then(() => null, (rejection) => rejection)
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(95)
    expect(error).toBeInstanceOf(TimeoutError)
    expect(signal.aborted).toBe(true)
    expect(signal.reason).toBe(error)
    expect(orchestrator.status().jobs.hang).toMatchObject({ failures: 1 })
  })
})

describe('retries', () => {
  test('a failed attempt is retried after an exponential back-off; the run succeeds on its third attempt', async () => {
    const { orchestrator, events } = await setup()
    const file = tempPath('count')
    orchestrator.register('flaky', { name: 'failTimes', payload: { file, times: 2 }, retries: 3, retryBackoffMs: { initial: 100, max: 1000 } })
    await orchestrator.start()
    const result = await orchestrator.trigger('flaky')
    expect(result).toEqual({ calls: 3, attempt: 3 })
    const starts = only(events, 'jobStart', 'flaky')
    const failures = only(events, 'jobFailure', 'flaky')
    expect(starts.map((s) => [s.attempt, s.trigger])).toEqual([[1, 'manual'], [2, 'retry'], [3, 'retry']])
    expect(failures.map((f) => [f.attempt, f.willRetry, f.error.message])).toEqual([[1, true, 'failure 1'], [2, true, 'failure 2']])
    // 100 ms, then 200 ms, each less at most a quarter of jitter.
    expect(starts[1].at - failures[0].at).toBeGreaterThanOrEqual(75 - 5)
    expect(starts[2].at - failures[1].at).toBeGreaterThanOrEqual(150 - 5)
    expect(starts[2].at - failures[1].at).toBeLessThan(200 + 500)
    // One run, and it succeeded: the failed attempts are not failed runs.
    expect(orchestrator.status().jobs.flaky).toMatchObject({ runs: 1, successes: 1, failures: 0, consecutiveFailures: 0 })
    expect(orchestrator.deadLetters()).toEqual([])
  })

  test('a run fails only once its retries are spent', async () => {
    const { orchestrator, events } = await setup()
    orchestrator.register('broken', { name: 'fail', payload: { type: 'RangeError', message: 'no' }, retries: 2, retryBackoffMs: { initial: 20, max: 20 } })
    await orchestrator.start()
    const error = await orchestrator.trigger('broken').then(() => null, (rejection) => rejection)
    expect(error).toBeInstanceOf(RangeError)
    expect(error).toMatchObject({ message: 'no', code: 'E_JOB' })
    expect(only(events, 'jobFailure').map((f) => [f.attempt, f.willRetry])).toEqual([[1, true], [2, true], [3, false]])
    expect(orchestrator.status().jobs.broken).toMatchObject({ runs: 1, failures: 1, consecutiveFailures: 1, lastError: 'no' })
  })
})

describe('crashes', () => {
  test('a thread worker that calls process.exit fails that run only; another job goes on', async () => {
    const { orchestrator, events } = await setup()
    orchestrator.register('steady', { every: 100, name: 'stamp' })
    orchestrator.register('crash', { name: 'exit', retries: 0 })
    await orchestrator.start()
    await waitForEvents(events, 'jobSuccess', { job: 'steady', count: 2 })
    const error = await orchestrator.trigger('crash').then(() => null, (rejection) => rejection)
    expect(error).toBeInstanceOf(WorkerCrashedError)
    expect(error.exitCode).toBe(3)
    const before = only(events, 'jobSuccess', 'steady').length
    await waitForEvents(events, 'jobSuccess', { job: 'steady', count: before + 3 })
    expect(only(events, 'jobFailure', 'steady')).toEqual([])
    expect(orchestrator.status().jobs.crash).toMatchObject({ failures: 1 })
  })

  test('a process worker that segfaults fails that run only; another job goes on', async () => {
    const { orchestrator, events } = await setup({ pool: { kind: 'process' } })
    orchestrator.register('steady', { every: 100, name: 'stamp' })
    orchestrator.register('crash', { name: 'segfault', retries: 0 })
    await orchestrator.start()
    await waitForEvents(events, 'jobSuccess', { job: 'steady', count: 2 })
    const error = await orchestrator.trigger('crash').then(() => null, (rejection) => rejection)
    expect(error).toBeInstanceOf(WorkerCrashedError)
    expect(error.signal).toBe('SIGSEGV')
    const before = only(events, 'jobSuccess', 'steady').length
    await waitForEvents(events, 'jobSuccess', { job: 'steady', count: before + 3 })
    expect(only(events, 'jobFailure', 'steady')).toEqual([])
  })
})

describe('auto-disable and the breaker', () => {
  test('maxConsecutiveFailures disables the job; trigger() still runs it; enable() resets it', async () => {
    const { orchestrator, events } = await setup()
    const failing = failSwitch()
    orchestrator.register('flaky', { every: 100, name: 'failWhile', payload: { file: failing.file }, retries: 0, maxConsecutiveFailures: 3 })
    await orchestrator.start()
    const [disabled] = await waitForEvents(events, 'jobDisabled', { job: 'flaky' })
    expect(disabled).toMatchObject({ job: 'flaky', consecutiveFailures: 3 })
    expect(orchestrator.status()).toMatchObject({ healthy: false, jobs: { flaky: { enabled: false, state: 'disabled', consecutiveFailures: 3, failures: 3 } } })
    // Its ticks are skipped now, visibly.
    const [skipped] = await waitForEvents(events, 'jobSkipped', { job: 'flaky' })
    expect(skipped.reason).toBe('disabled')
    expect(only(events, 'jobStart', 'flaky')).toHaveLength(3)
    // A manual run goes through even so (and fails: the job stays disabled).
    await expect(orchestrator.trigger('flaky')).rejects.toThrow('switched to fail')
    failing.off()
    orchestrator.enable('flaky')
    expect(orchestrator.status().jobs.flaky).toMatchObject({ enabled: true, consecutiveFailures: 0 })
    await waitForEvents(events, 'jobSuccess', { job: 'flaky' })
    expect(orchestrator.status()).toMatchObject({ healthy: true, jobs: { flaky: { enabled: true, consecutiveFailures: 0 } } })
  })

  test('disable() skips the ticks of a healthy job until enable()', async () => {
    const { orchestrator, events } = await setup()
    orchestrator.register('tick', { every: 100, name: 'stamp' })
    await orchestrator.start()
    await waitForEvents(events, 'jobSuccess', { job: 'tick' })
    orchestrator.disable('tick')
    const runs = only(events, 'jobStart', 'tick').length
    await waitForEvents(events, 'jobSkipped', { job: 'tick', count: 2 })
    expect(only(events, 'jobStart', 'tick')).toHaveLength(runs)
    expect(orchestrator.status().jobs.tick).toMatchObject({ enabled: false, state: 'disabled' })
    orchestrator.enable('tick')
    await waitForEvents(events, 'jobStart', { job: 'tick', count: runs + 1 })
  })

  test('the breaker opens instead, lets one probe through after its cool-down, and a successful probe closes it', async () => {
    const { orchestrator, events } = await setup()
    const failing = failSwitch()
    const cooldownMs = 400
    orchestrator.register('remote', {
      every: 100,
      name: 'failWhile',
      payload: { file: failing.file },
      retries: 0,
      maxConsecutiveFailures: 2,
      breaker: { cooldownMs },
    })
    await orchestrator.start()
    const [opened] = await waitForEvents(events, 'breakerOpen', { job: 'remote' })
    expect(only(events, 'jobStart', 'remote')).toHaveLength(2)
    expect(orchestrator.status().jobs.remote.state).toBe('breakerOpen')
    expect(orchestrator.status().healthy).toBe(false)
    // While open, ticks are skipped.
    const [skipped] = await waitForEvents(events, 'jobSkipped', { job: 'remote' })
    expect(skipped.reason).toBe('breakerOpen')
    // After the cool-down: one probe, which fails and opens it again.
    const [, reopened] = await waitForEvents(events, 'breakerOpen', { job: 'remote', count: 2 })
    const probes = only(events, 'jobStart', 'remote').filter((s) => s.at > opened.at && s.at <= reopened.at)
    expect(probes).toHaveLength(1)
    expect(probes[0].at - opened.at).toBeGreaterThanOrEqual(cooldownMs - 5)
    failing.off()
    const [closed] = await waitForEvents(events, 'breakerClose', { job: 'remote' })
    const probe = only(events, 'jobStart', 'remote').filter((s) => s.at > reopened.at)
    expect(probe[0].at - reopened.at).toBeGreaterThanOrEqual(cooldownMs - 5)
    expect(only(events, 'jobSuccess', 'remote')[0].at).toBeLessThanOrEqual(closed.at)
    expect(orchestrator.status().jobs.remote).toMatchObject({ enabled: true, consecutiveFailures: 0 })
    // Closed: it runs on every tick again (two more runs, and no tick
    // skipped for an open breaker or a disabled job since), and was never disabled.
    const runs = only(events, 'jobStart', 'remote').length
    await waitForEvents(events, 'jobStart', { job: 'remote', count: runs + 2 })
    const sinceClosed = events.slice(events.indexOf(closed))
    expect(only(sinceClosed, 'jobSkipped', 'remote').filter((s) => s.reason !== 'overlap')).toEqual([])
    expect(only(sinceClosed, 'breakerOpen')).toEqual([])
    expect(only(events, 'jobDisabled')).toEqual([])
  })
})
