'use strict'

const { fixture, runNode } = require('../helpers')

const LINES = 2000

describe("a child's stdout and stderr", () => {
  test("'prefix' (the default): every line reaches the parent's, in order, with the worker id in front", async () => {
    const run = await runNode([fixture('script-stdio.js'), 'prefix', String(LINES)])
    expect(run.code).toBe(0)
    const fromWorker = run.stdout.split('\n').filter((line) => line.startsWith('[worker 1] '))
    expect(fromWorker).toEqual([
      ...Array.from({ length: LINES }, (_, i) => `[worker 1] line ${i + 1}`),
      // The last, unfinished line is not lost when the child exits.
      '[worker 1] no newline at the end',
    ])
    expect(run.stdout).toContain(`printed ${LINES}\n`)
    expect(run.stderr).toBe('[worker 1] to stderr\n')
  })

  test("'inherit': the child writes to the parent's stdout and stderr itself", async () => {
    const run = await runNode([fixture('script-stdio.js'), 'inherit', '3'])
    expect(run.code).toBe(0)
    expect(run.stdout).toContain('line 1\nline 2\nline 3\n')
    expect(run.stdout).not.toContain('[worker')
    expect(run.stderr).toBe('to stderr\n')
  })

  test("'ignore': nothing reaches the parent's", async () => {
    const run = await runNode([fixture('script-stdio.js'), 'ignore', '3'])
    expect(run.code).toBe(0)
    expect(run.stdout).toBe('printed 3\n')
    expect(run.stderr).toBe('')
  })
})
