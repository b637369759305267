'use strict'

const { Orchestrator } = require('../pool-kind')
const { setup } = require('./harness')
const { checkWithPromtool, samples, sample } = require('../prometheus')

describe('orchestrator metrics', () => {
  test('runs by outcome, each job\'s state, next run and dead letters, in the orchestrator\'s and the pool\'s text', async () => {
    const { pool, orchestrator } = await setup()
    orchestrator.register('nightly', { cron: '0 3 * * *', timeZone: 'UTC', name: 'stamp' })
    orchestrator.register('parse', { name: 'fail', payload: { message: 'bad' }, retries: 0, maxConsecutiveFailures: 1 })
    orchestrator.register('quick', { name: 'sleep', payload: 1 })
    await orchestrator.start()
    await orchestrator.trigger('quick')
    await orchestrator.trigger('quick')
    await expect(orchestrator.trigger('parse')).rejects.toThrow('bad')

    const text = orchestrator.metrics()
    checkWithPromtool(text)
    const job = (name, family, labels = '') => sample(text, `parallel_processor_orchestrator_${family}{orchestrator="local",job="${name}"${labels}}`)
    expect(job('quick', 'job_runs_total', ',outcome="success"')).toBe(2)
    expect(job('parse', 'job_runs_total', ',outcome="failure"')).toBe(1)
    expect(job('parse', 'job_state', ',state="disabled"')).toBe(1)
    expect(job('parse', 'job_state', ',state="idle"')).toBe(0)
    expect(job('parse', 'job_enabled')).toBe(0)
    expect(job('parse', 'job_consecutive_failures')).toBe(1)
    expect(job('quick', 'job_last_duration_seconds')).toBeGreaterThan(0)
    expect(job('nightly', 'job_next_run_timestamp_seconds')).toBe(Orchestrator.nextRuns('0 3 * * *', { timeZone: 'UTC' })[0].getTime() / 1000)
    // A triggered job has no next run: no series rather than a made-up value.
    expect(samples(text).has('parallel_processor_orchestrator_job_next_run_timestamp_seconds{orchestrator="local",job="quick"}')).toBe(false)
    expect(sample(text, 'parallel_processor_orchestrator_dead_letters{orchestrator="local"}')).toBe(1)
    expect(sample(text, 'parallel_processor_orchestrator_state{orchestrator="local",state="running"}')).toBe(1)

    // The pool's text holds its orchestrators' families after its own.
    const poolText = pool.metrics()
    checkWithPromtool(poolText)
    expect(sample(poolText, 'parallel_processor_orchestrator_job_runs_total{orchestrator="local",job="quick",outcome="success"}')).toBe(2)
    expect(sample(poolText, 'parallel_processor_tasks_total{outcome="success"}')).toBe(2)

    await orchestrator.stop()
    const stopped = orchestrator.metrics()
    checkWithPromtool(stopped)
    expect(sample(stopped, 'parallel_processor_orchestrator_state{orchestrator="local",state="stopped"}')).toBe(1)
  })

  test('a job\'s name is escaped as a label value; two orchestrators on one pool are told apart', async () => {
    const { pool, orchestrator } = await setup()
    const name = 'report "daily"\\n\nnext line'
    orchestrator.register(name, { name: 'sleep', payload: 1 })
    const second = new Orchestrator(pool)
    second.register('quick', { name: 'sleep', payload: 1 })
    await Promise.all([orchestrator.start(), second.start()])
    await orchestrator.trigger(name)
    await second.trigger('quick')
    try {
      const text = pool.metrics()
      checkWithPromtool(text)
      expect(sample(text, 'parallel_processor_orchestrator_job_runs_total{orchestrator="local",job="report \\"daily\\"\\\\n\\nnext line",outcome="success"}')).toBe(1)
      expect(sample(text, 'parallel_processor_orchestrator_job_runs_total{orchestrator="local-2",job="quick",outcome="success"}')).toBe(1)
    } finally {
      await second.stop()
    }
  })
})
