'use strict'

const { fixture, runNode } = require('./helpers')
const { KIND } = require('./pool-kind')

describe('process lifetime', () => {
  test('a script that never disposes its pool exits by itself with code 0', async () => {
    const run = await runNode([fixture('script-forgets-dispose.js')])
    expect(run).toMatchObject({ code: 0, killed: false, stderr: '' })
    expect(run.stdout).toBe('result 42\n')
  })

  test('an unawaited task keeps the process alive until its result arrives', async () => {
    const run = await runNode([fixture('script-unawaited-task.js')])
    expect(run).toMatchObject({ code: 0, killed: false, stderr: '' })
    const [, result, after] = /^result (\d+) after (\d+)\n$/.exec(run.stdout)
    expect(Number(result)).toBe(700)
    expect(Number(after)).toBeGreaterThanOrEqual(700)
  })

  test('code after `await pool.dispose()` runs before the process exits', async () => {
    const run = await runNode([fixture('script-dispose-then-log.js')])
    expect(run).toMatchObject({ code: 0, killed: false, stderr: '', stdout: 'after dispose\n' })
  })

  test('what workers wrote during their tasks is all printed, even when the pool is disposed right after', async () => {
    // A few runs: what is lost is lost to a race.
    for (let run = 0; run < 3; run++) {
      const { code, stdout, stderr } = await runNode([fixture('script-output-then-dispose.js')])
      expect({ code, stderr }).toEqual({ code: 0, stderr: '' })
      // Process workers' lines come tagged with their worker (`stdio: 'prefix'`).
      const said = stdout.split('\n').filter(Boolean).map((line) => line.replace(/^\[worker \d+\] /, '')).sort()
      expect(said).toEqual(['said 0', 'said 1', 'said 2', 'said 3', 'said 4', 'said 5'])
    }
  })

  test('nothing polls: an idle pool of 4 workers uses next to no CPU over a second', async () => {
    // In a child process of its own: this process's CPU time includes jest's.
    const run = await runNode([fixture('script-idle-cpu.js')])
    expect(run).toMatchObject({ code: 0, stderr: '' })
    const { ready, size, cpuMs, children, childCpuMs } = JSON.parse(run.stdout)
    expect([ready, size]).toEqual([true, 4])
    // The whole process, every thread: a poll anywhere would show here.
    expect(cpuMs).toBeLessThan(20)
    // Process workers sleep too (counted in 10 ms ticks: at most a tick or two of noise).
    expect(children).toBe(KIND === 'process' ? 4 : 0)
    expect(childCpuMs).toBeLessThanOrEqual(20)
  })
})

test('listeners that throw, and a throwing .then on a result, never break the pool', async () => {
  const run = await runNode([fixture('script-throwing-listeners.js')])
  expect(run).toMatchObject({ code: 0, stderr: '' })
  const report = JSON.parse(run.stdout)
  expect(report).toMatchObject({ ok: true, crashed: 'WorkerCrashedError', completed: 51, running: 0, queued: 0 })
  // Each surfaced as the caller's own uncaught error, as any listener's would.
  expect(report.uncaught).toEqual([
    'listener of drain',
    'listener of workerCreate',
    'listener of workerExit',
    'rejection: then on a result',
  ])
})
