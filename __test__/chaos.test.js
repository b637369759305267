'use strict'

const { ParallelProcessor, WorkerCrashedError } = require('./pool-kind')
const { fixture, track, waitFor } = require('./helpers')

/** A small seeded generator, so that a failure can be replayed. */
function random(seed) {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

test('thousands of tasks with random crashes and throws: every promise settles once, every plain task succeeds', async () => {
  const seed = Number(process.env.CHAOS_SEED ?? 20261127)
  const next = random(seed)
  const pool = new ParallelProcessor(4, { filename: fixture('tasks.js') })
  try {
    const plan = Array.from({ length: 3000 }, (_, i) => {
      const roll = next()
      if (roll < 0.015) return { kind: 'exit', run: () => pool.execute({ code: 9, afterMs: Math.floor(next() * 3) }, { name: 'exit' }) }
      if (roll < 0.06) return { kind: 'throw', run: () => pool.execute(`bad ${i}`, { name: 'throwTypeError' }) }
      if (roll < 0.2) return { kind: 'plain', expected: i + 1, run: () => pool.execute({ a: i, b: 1, ms: Math.floor(next() * 3) }, { name: 'addLater' }) }
      return { kind: 'plain', expected: i + 1, run: () => pool.execute({ a: i, b: 1 }, { name: 'add' }) }
    })
    const tracked = track(plan.map((step) => step.run()))
    const outcomes = await tracked.settled(60000)

    const count = (kind) => plan.filter((step) => step.kind === kind).length
    plan.forEach((step, i) => {
      const outcome = outcomes[i]
      if (step.kind === 'plain') {
        expect({ i, status: outcome.status, value: outcome.value }).toEqual({ i, status: 'fulfilled', value: step.expected })
      } else if (step.kind === 'throw') {
        expect(outcome.value).toBeInstanceOf(TypeError)
        expect(outcome.value.message).toBe(`bad ${i}`)
      } else {
        expect(outcome.value).toBeInstanceOf(WorkerCrashedError)
        expect(outcome.value.exitCode).toBe(9)
      }
    })
    // The core's own accounting agrees: nothing counted twice, nothing left.
    const stats = pool.stats()
    expect(stats.completed).toBe(count('plain'))
    expect(stats.crashed).toBe(count('exit'))
    expect(stats.failed).toBe(count('exit') + count('throw'))
    expect([stats.running, stats.queued]).toEqual([0, 0])
    await waitFor(() => pool.size === 4, 5000, 'the pool to be back to full size')
    expect(stats.workersStarted - stats.workersExited).toBe(4)
  } finally {
    await pool.dispose()
  }
}, 90000)

test('chaos with timeouts, aborts, recycling and priorities: every promise settles once, the books balance', async () => {
  const { AbortError, TimeoutError } = require('./pool-kind')
  const seed = Number(process.env.CHAOS_SEED ?? 7)
  const next = random(seed)
  const pool = new ParallelProcessor(4, { filename: fixture('tasks.js'), maxTasksPerWorker: 40 })
  try {
    const controllers = []
    const plan = Array.from({ length: 3000 }, (_, i) => {
      const roll = next()
      const priority = Math.floor(next() * 5) - 2
      if (roll < 0.01) return { kind: 'exit', run: () => pool.execute({ code: 9 }, { name: 'exit', priority }) }
      if (roll < 0.015) return { kind: 'timeout', run: () => pool.execute(null, { name: 'spin', timeoutMs: 30, priority }) }
      if (roll < 0.05) return { kind: 'throw', run: () => pool.execute(`bad ${i}`, { name: 'throwTypeError', priority }) }
      if (roll < 0.09) {
        const controller = new AbortController()
        controllers.push([controller, Math.floor(next() * 20)])
        return { kind: 'abort', expected: i + 1, run: () => pool.execute({ a: i, b: 1, ms: 2 }, { name: 'addLater', signal: controller.signal, priority }) }
      }
      return { kind: 'plain', expected: i + 1, run: () => pool.execute({ a: i, b: 1 }, { name: 'add', priority }) }
    })
    const promises = []
    for (let i = 0; i < plan.length; i++) {
      promises.push(plan[i].run())
      if (i % 1000 === 500) pool.recycleWorkers()
    }
    for (const [controller, ms] of controllers) setTimeout(() => controller.abort(), ms)
    const outcomes = await track(promises).settled(60000)

    plan.forEach((step, i) => {
      const { status, value } = outcomes[i]
      if (step.kind === 'plain') expect({ i, status, value }).toEqual({ i, status: 'fulfilled', value: step.expected })
      else if (step.kind === 'abort') {
        if (status === 'fulfilled') expect(value).toBe(step.expected)
        else expect(value).toBeInstanceOf(AbortError)
      } else if (step.kind === 'throw') expect(value).toBeInstanceOf(TypeError)
      else if (step.kind === 'timeout') expect(value).toBeInstanceOf(TimeoutError)
      else expect(value).toBeInstanceOf(WorkerCrashedError)
    })
    const stats = pool.stats()
    const rejected = outcomes.filter((o) => o.status === 'rejected').length
    expect(stats.completed).toBe(outcomes.length - rejected)
    expect(stats.failed + stats.aborted).toBe(rejected)
    expect([stats.running, stats.queued]).toEqual([0, 0])
    expect(stats.retired).toBeGreaterThan(0)
    await waitFor(() => pool.size === 4, 5000, 'the pool to be back to full size')
  } finally {
    await pool.dispose()
  }
}, 90000)
