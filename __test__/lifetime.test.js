'use strict'

const { ParallelProcessor } = require('parallel-processor')
const { fixture, runNode, waitFor } = require('./helpers')

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

  test('nothing polls: an idle pool of 4 workers uses next to no CPU over a second', async () => {
    const pool = new ParallelProcessor(4, { filename: fixture('tasks.js') })
    try {
      await waitFor(() => pool.stats().workers.every((w) => w.state === 'idle'), 5000, 'workers to be ready')
      await pool.execute(1)
      await new Promise((resolve) => setTimeout(resolve, 100))
      const before = process.cpuUsage()
      await new Promise((resolve) => setTimeout(resolve, 1000))
      const used = process.cpuUsage(before)
      // The whole process, all threads: a polling loop anywhere would show here.
      expect((used.user + used.system) / 1000).toBeLessThan(50)
    } finally {
      await pool.dispose()
    }
  })
})
