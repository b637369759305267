'use strict'

const { JobBusyError, JobNotFoundError, OrchestratorStoppedError } = require('../pool-kind')
const { track } = require('../helpers')
const { setup, only } = require('./harness')

describe('trigger()', () => {
  test('resolves with the run\'s result; a worker handler and a run function both get ctx.job', async () => {
    const { orchestrator } = await setup()
    orchestrator.register('worker', { name: 'context', payload: 1 })
    orchestrator.register('inline', { run: async (payload, ctx) => ({ payload, job: ctx.job, hasSignal: ctx.signal instanceof AbortSignal }) })
    await orchestrator.start()
    const fromWorker = await orchestrator.trigger('worker', { n: 2 })
    expect(fromWorker).toMatchObject({ payload: { n: 2 }, job: { name: 'worker', runId: expect.any(Number), attempt: 1, trigger: 'manual' } })
    // The task's own context is all there too.
    expect(fromWorker).toMatchObject({ taskId: expect.any(String), workerId: expect.any(Number) })
    const inline = await orchestrator.trigger('inline', 'x')
    expect(inline).toEqual({ payload: 'x', job: { name: 'inline', runId: expect.any(Number), attempt: 1, trigger: 'manual', scheduledAt: null }, hasSignal: true })
    expect(inline.job.runId).not.toBe(fromWorker.job.runId)
  })

  test('process workers get ctx.job too', async () => {
    const { orchestrator } = await setup({ pool: { kind: 'process' } })
    orchestrator.register('worker', { name: 'context' })
    await orchestrator.start()
    const result = await orchestrator.trigger('worker', 'p')
    expect(result).toMatchObject({ payload: 'p', job: { name: 'worker', attempt: 1, trigger: 'manual' } })
    expect(result.pid).not.toBe(process.pid)
  })

  test('rejects with JobBusyError while the job runs', async () => {
    const { orchestrator } = await setup()
    orchestrator.register('slow', { name: 'stamp', payload: { ms: 200 } })
    await orchestrator.start()
    const first = orchestrator.trigger('slow')
    const error = await orchestrator.trigger('slow').then(() => null, (rejection) => rejection)
    expect(error).toBeInstanceOf(JobBusyError)
    expect(error).toMatchObject({ code: 'ERR_JOB_BUSY', job: 'slow' })
    await expect(first).resolves.toMatchObject({ job: { name: 'slow' } })
  })

  test('rejects with JobNotFoundError for an unknown job', async () => {
    const { orchestrator } = await setup()
    await orchestrator.start()
    const error = await orchestrator.trigger('nope').then(() => null, (rejection) => rejection)
    expect(error).toBeInstanceOf(JobNotFoundError)
    expect(error).toMatchObject({ code: 'ERR_JOB_NOT_FOUND', message: expect.stringContaining('nope') })
    expect(() => orchestrator.enable('nope')).toThrow(JobNotFoundError)
    expect(() => orchestrator.disable('nope')).toThrow(JobNotFoundError)
    expect(() => orchestrator.unregister('nope')).toThrow(JobNotFoundError)
  })

  test('rejects with OrchestratorStoppedError after stop()', async () => {
    const { orchestrator } = await setup()
    orchestrator.register('job', { name: 'stamp' })
    await orchestrator.start()
    await orchestrator.stop()
    const error = await orchestrator.trigger('job').then(() => null, (rejection) => rejection)
    expect(error).toBeInstanceOf(OrchestratorStoppedError)
    expect(error.code).toBe('ERR_ORCHESTRATOR_STOPPED')
  })

  test('rejects with the run\'s own error', async () => {
    const { orchestrator } = await setup()
    orchestrator.register('broken', { name: 'fail', retries: 0 })
    await orchestrator.start()
    await expect(orchestrator.trigger('broken', { message: 'own error' })).rejects.toMatchObject({ message: 'own error', code: 'E_JOB' })
  })

  test('a trigger takes over a run that waits, and resolves with it', async () => {
    const { orchestrator, events } = await setup({ maxConcurrentJobs: 1 })
    orchestrator.register('hold', { name: 'stamp', payload: { ms: 200 } })
    orchestrator.register('first', { name: 'stamp' })
    await orchestrator.start()
    // hold takes the only slot; first's run waits behind it.
    const hold = orchestrator.trigger('hold')
    const first = orchestrator.trigger('first')
    expect(orchestrator.status().jobs.first.state).toBe('waiting')
    const again = orchestrator.trigger('first')
    const [a, b] = await Promise.all([first, again, hold])
    // One run, both promises.
    expect(a.job.runId).toBe(b.job.runId)
    expect(only(events, 'jobStart', 'first')).toHaveLength(1)
  })

  test('a trigger with a payload of its own does not take over a waiting run that has one: JobBusyError', async () => {
    const { orchestrator } = await setup({ maxConcurrentJobs: 1 })
    orchestrator.register('hold', { name: 'stamp', payload: { ms: 200 } })
    orchestrator.register('echo', { name: 'context' })
    await orchestrator.start()
    const hold = orchestrator.trigger('hold')
    const first = orchestrator.trigger('echo', 'payload-A')
    await expect(orchestrator.trigger('echo', 'payload-B')).rejects.toBeInstanceOf(JobBusyError)
    const [result] = await Promise.all([first, hold])
    expect(result.payload).toBe('payload-A')
  })

  test('unregister(): pending triggers of a run that has not started reject with JobNotFoundError', async () => {
    const { orchestrator } = await setup({ maxConcurrentJobs: 1 })
    orchestrator.register('hold', { name: 'stamp', payload: { ms: 200 } })
    orchestrator.register('gone', { name: 'stamp' })
    await orchestrator.start()
    const hold = orchestrator.trigger('hold')
    const outcomes = track([orchestrator.trigger('gone'), hold])
    orchestrator.unregister('gone')
    const [gone, held] = await outcomes.settled()
    expect(gone.status).toBe('rejected')
    expect(gone.value).toBeInstanceOf(JobNotFoundError)
    expect(held.status).toBe('fulfilled')
    expect(orchestrator.status().jobs).not.toHaveProperty('gone')
  })
})
