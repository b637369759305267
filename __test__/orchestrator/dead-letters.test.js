'use strict'

const fs = require('node:fs')
const { JobNotFoundError } = require('../pool-kind')
const { setup, only, tempPath } = require('./harness')

describe('dead letters', () => {
  test('a failed run lands in deadLetters() with its payload, its error and its attempts', async () => {
    const { orchestrator, events } = await setup()
    const payload = { type: 'TypeError', message: 'bad input', at: new Date(0), tags: new Set(['x']) }
    orchestrator.register('parse', { name: 'fail', payload, retries: 1, retryBackoffMs: { initial: 10, max: 10 } })
    await orchestrator.start()
    const before = Date.now()
    const error = await orchestrator.trigger('parse').then(() => null, (rejection) => rejection)
    const [letter] = orchestrator.deadLetters()
    expect(letter).toEqual({
      id: expect.any(Number),
      job: 'parse',
      runId: only(events, 'jobStart')[0].runId,
      payload,
      error,
      attempts: 2,
      failedAt: expect.any(Date),
    })
    // The real error, as the worker threw it.
    expect(letter.error).toBeInstanceOf(TypeError)
    expect(letter.error).toMatchObject({ message: 'bad input', code: 'E_JOB' })
    expect(letter.failedAt.getTime()).toBeGreaterThanOrEqual(before - 1)
    expect(letter.failedAt.getTime()).toBeLessThanOrEqual(Date.now())
    expect(only(events, 'deadLetter')).toEqual([expect.objectContaining({ id: letter.id, job: 'parse', runId: letter.runId, error })])
    expect(orchestrator.status().deadLetters).toBe(1)
  })

  test('retryDeadLetter() reruns it with its payload and removes it on success; a failed retry keeps it', async () => {
    const { orchestrator, events } = await setup()
    const file = tempPath('fail')
    fs.writeFileSync(file, '')
    orchestrator.register('sync', { name: 'failWhile', payload: { file }, retries: 0 })
    await orchestrator.start()
    await expect(orchestrator.trigger('sync')).rejects.toThrow('switched to fail')
    const [letter] = orchestrator.deadLetters()
    // Still failing: the letter stays (one letter, not two), with the new error.
    const again = await orchestrator.retryDeadLetter(letter.id).then(() => null, (rejection) => rejection)
    expect(again.message).toBe('switched to fail')
    expect(orchestrator.deadLetters()).toEqual([expect.objectContaining({ id: letter.id, error: again, payload: { file } })])
    fs.rmSync(file)
    await expect(orchestrator.retryDeadLetter(letter.id)).resolves.toEqual({ ok: true, attempt: 1 })
    expect(orchestrator.deadLetters()).toEqual([])
    expect(orchestrator.status().deadLetters).toBe(0)
    expect(only(events, 'deadLetter')).toHaveLength(1)
    expect(only(events, 'jobStart').map((s) => s.trigger)).toEqual(['manual', 'manual', 'manual'])
    await expect(orchestrator.retryDeadLetter(letter.id)).rejects.toBeInstanceOf(JobNotFoundError)
  })

  test('the list is bounded by deadLetterLimit: the oldest are dropped', async () => {
    const { orchestrator, events } = await setup({ deadLetterLimit: 3 })
    orchestrator.register('fail', { name: 'fail', retries: 0, maxConsecutiveFailures: 0 })
    await orchestrator.start()
    for (let i = 0; i < 5; i++) await orchestrator.trigger('fail', { message: `failure ${i}` }).catch(() => {})
    const letters = orchestrator.deadLetters()
    const ids = only(events, 'deadLetter').map((e) => e.id)
    expect(ids).toHaveLength(5)
    expect(letters.map((l) => l.id)).toEqual(ids.slice(2))
    expect(letters.map((l) => l.payload.message)).toEqual(['failure 2', 'failure 3', 'failure 4'])
    expect(letters.map((l) => l.error.message)).toEqual(['failure 2', 'failure 3', 'failure 4'])
    expect(orchestrator.status().deadLetters).toBe(3)
    orchestrator.clearDeadLetters()
    expect(orchestrator.deadLetters()).toEqual([])
    expect(orchestrator.status().deadLetters).toBe(0)
  })
})
