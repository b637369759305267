'use strict'

const { KIND } = require('./pool-kind')
const { readyPool, whenReady, waitFor, runNode, fixture } = require('./helpers')
const { checkWithPromtool, samples, sample } = require('./prometheus')

describe('pool.metrics()', () => {
  let pool
  afterEach(() => pool?.dispose())

  test('is valid, lint-clean Prometheus text that counts each outcome', async () => {
    pool = await readyPool({ workers: 2, maxQueueWaitMs: 100 })
    await Promise.all([pool.execute(1), pool.execute(2), pool.execute(3)])
    await expect(pool.execute('boom', { name: 'throwTypeError' })).rejects.toThrow('boom')
    await expect(pool.execute(null, { name: 'spin', timeoutMs: 100 })).rejects.toMatchObject({ code: 'ERR_TASK_TIMEOUT' })
    await expect(pool.execute({ code: 3 }, { name: 'exit' })).rejects.toMatchObject({ code: 'ERR_WORKER_CRASHED' })
    const controller = new AbortController()
    const aborted = pool.execute(200, { name: 'sleep', signal: controller.signal })
    controller.abort()
    await expect(aborted).rejects.toMatchObject({ name: 'AbortError' })
    // Both workers (replacements ready) busy for 400 ms: a third task waits past its 100 ms.
    await whenReady(pool, { size: 2 })
    const busy = [pool.execute(400, { name: 'sleep' }), pool.execute(400, { name: 'sleep' })]
    await expect(pool.execute(1)).rejects.toMatchObject({ code: 'ERR_QUEUE_TIMEOUT' })
    await Promise.all(busy)

    const text = pool.metrics()
    checkWithPromtool(text)
    const outcome = (name) => sample(text, `parallel_processor_tasks_total{outcome="${name}"}`)
    expect(['success', 'error', 'timeout', 'crash', 'abort', 'queue_timeout'].map(outcome)).toEqual([5, 1, 1, 1, 1, 1])
    expect(sample(text, `parallel_processor_pool_info{kind="${KIND}"}`)).toBe(1)
    expect(sample(text, 'parallel_processor_pool_disposed')).toBe(0)
    // The crash and the timeout each cost a worker (the abort may too: the sleep
    // ignores its signal, but it is still queued or just started).
    expect(sample(text, 'parallel_processor_worker_exits_total{reason="crash"}')).toBe(1)
    expect(sample(text, 'parallel_processor_worker_exits_total{reason="timeout"}')).toBe(1)
    expect(sample(text, 'parallel_processor_worker_exits_total{reason="startFailure"}')).toBe(0)
    expect(sample(text, 'parallel_processor_workers_started_total')).toBe(pool.stats().workersStarted)
    expect(sample(text, 'parallel_processor_queue_depth')).toBe(0)
    expect(sample(text, 'parallel_processor_tasks_running')).toBe(0)
    const memoryKind = KIND === 'process' ? 'rss' : 'heap'
    expect(sample(text, `parallel_processor_worker_memory_bytes{kind="${memoryKind}"}`)).toBeGreaterThan(1e6)
  })

  test('histograms put each duration in the right buckets, in seconds', async () => {
    pool = await readyPool({ workers: 1 })
    await Promise.all([pool.execute(60, { name: 'sleep' }), pool.execute(60, { name: 'sleep' })])
    const text = pool.metrics()
    checkWithPromtool(text)
    const run = (le) => sample(text, `parallel_processor_task_duration_seconds_bucket{le="${le}"}`)
    // Each slept 60 ms: over 50 ms, within 100 ms (a loaded machine may add a little).
    expect(run('0.05')).toBe(0)
    expect(run('0.25')).toBe(2)
    expect(run('+Inf')).toBe(2)
    expect(sample(text, 'parallel_processor_task_duration_seconds_count')).toBe(2)
    expect(sample(text, 'parallel_processor_task_duration_seconds_sum')).toBeGreaterThanOrEqual(0.11)
    // The second waited for the first.
    const wait = (le) => sample(text, `parallel_processor_task_queue_wait_seconds_bucket{le="${le}"}`)
    expect(wait('0.05')).toBe(1)
    expect(wait('+Inf')).toBe(2)
    // Cumulative: never smaller than the bucket before.
    const buckets = [...samples(text)].filter(([series]) => series.startsWith('parallel_processor_task_queue_wait_seconds_bucket')).map(([, value]) => value)
    expect(buckets).toEqual([...buckets].sort((a, b) => a - b))
  })

  test('workers are counted by state, and reading changes nothing', async () => {
    pool = await readyPool({ workers: 2 })
    const sleeping = pool.execute(300, { name: 'sleep' })
    await waitFor(() => pool.running === 1)
    const text = pool.metrics()
    checkWithPromtool(text)
    expect(sample(text, 'parallel_processor_workers{state="busy"}')).toBe(1)
    expect(sample(text, 'parallel_processor_workers{state="idle"}')).toBe(1)
    expect(sample(text, 'parallel_processor_tasks_running')).toBe(1)
    const before = pool.stats()
    for (let i = 0; i < 100; i++) pool.metrics()
    const after = pool.stats()
    expect([after.completed, after.failed, after.workersStarted]).toEqual([before.completed, before.failed, before.workersStarted])
    await sleeping
  })

  test('a disposed pool still answers, and says so', async () => {
    pool = await readyPool({ workers: 1 })
    await pool.execute(1)
    await pool.dispose()
    const text = pool.metrics()
    checkWithPromtool(text)
    expect(sample(text, 'parallel_processor_pool_disposed')).toBe(1)
    expect(sample(text, 'parallel_processor_tasks_total{outcome="success"}')).toBe(1)
    expect(sample(text, 'parallel_processor_worker_exits_total{reason="dispose"}')).toBe(1)
  })

  test('a script that reads metrics and forgets dispose() still exits', async () => {
    const script = `
      const { ParallelProcessor } = require(${JSON.stringify(require.resolve('parallel-processor'))})
      const pool = new ParallelProcessor(1, { kind: ${JSON.stringify(KIND)}, filename: ${JSON.stringify(fixture('tasks.js'))} })
      pool.execute(7).then((value) => { pool.metrics(); console.log('result', value) })
    `
    const { code, stdout } = await runNode(['-e', script])
    expect(code).toBe(0)
    expect(stdout).toContain('result 7')
  })
})
