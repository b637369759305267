'use strict'

const { ParallelProcessor } = require('../pool-kind')
const { fixture, runNode, repoRoot } = require('../helpers')

describe('options of a process worker', () => {
  let pool
  afterEach(() => pool?.dispose())

  test('env replaces the environment, execArgv and resourceLimits become node options', async () => {
    pool = new ParallelProcessor(1, {
      filename: fixture('tasks.js'),
      env: { FOO: 'bar' },
      execArgv: ['--no-warnings'],
      resourceLimits: { maxOldGenerationSizeMb: 96 },
    })
    const info = await pool.execute(null, { name: 'processInfo' })
    expect(info.pid).not.toBe(process.pid)
    expect(info.foo).toBe('bar')
    expect(info.home).toBeUndefined()
    expect(info.execArgv).toEqual(['--no-warnings', '--max-old-space-size=96'])
    // The whole heap's limit is the old generation's plus a young one whose
    // size differs from one V8 to the next (Node 24: 288 MB in all): what
    // the option moves is the difference between two limits.
    const bigger = new ParallelProcessor(1, { filename: fixture('tasks.js'), resourceLimits: { maxOldGenerationSizeMb: 192 } })
    try {
      const { heapLimitMb } = await bigger.execute(null, { name: 'processInfo' })
      expect(Math.abs(heapLimitMb - info.heapLimitMb - 96)).toBeLessThan(8)
    } finally {
      await bigger.dispose()
    }
  })

  test('a parent run with node -e: its children run the worker runtime, not the parent\'s code', async () => {
    const script = `
      const { ParallelProcessor } = require('parallel-processor')
      const pool = new ParallelProcessor(1, { kind: 'process', filename: ${JSON.stringify(fixture('tasks.js'))} })
      pool.execute(null, { name: 'processInfo' }).then((info) => { console.log(JSON.stringify(info.execArgv)); return pool.dispose() })
    `
    const run = await runNode(['--no-warnings', '-e', script], { cwd: repoRoot })
    expect(run.stderr).toBe('')
    expect(JSON.parse(run.stdout)).toEqual(['--no-warnings'])
  })

  test("inherited node options leave out those that name the parent's program, with their values", () => {
    const { inheritedExecArgv } = require('../../lib/pool/process-settings')
    const saved = process.execArgv
    process.execArgv = ['--no-warnings', '-e', 'code', '--inspect-port', '9229', '--input-type=module',
      '--test-name-pattern', 'x', '--require', './setup.js', '--test', '--max-old-space-size=100']
    try {
      expect(inheritedExecArgv()).toEqual(['--no-warnings', '--require', './setup.js', '--max-old-space-size=100'])
    } finally {
      process.execArgv = saved
    }
  })

  test("by default a child has the parent's environment and node options", async () => {
    process.env.PARALLEL_PROCESSOR_TEST_VALUE = 'inherited'
    try {
      pool = new ParallelProcessor(1, { filename: fixture('tasks.js'), workerData: { n: 1 } })
      const info = await pool.execute(null, { name: 'processInfo' })
      expect(info.home).toBe(process.env.HOME)
      expect(info.execArgv).toEqual(process.execArgv)
      expect(await pool.execute(null, { name: 'info' })).toMatchObject({ isWorker: true, workerData: { n: 1 } })
    } finally {
      delete process.env.PARALLEL_PROCESSOR_TEST_VALUE
    }
  })
})
