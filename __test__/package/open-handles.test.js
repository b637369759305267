'use strict'

/**
 * What jest's `--detectOpenHandles` reports, as users run it in CI: jest
 * itself, in a child process, on a project of its own
 * (__test__/fixtures/open-handles/). An idle pool or orchestrator, disposed
 * or not, holds nothing and must not be reported (idle.spec.js); one that
 * holds the process (a task still running, a started orchestrator) must be,
 * under its class's name, at the line that made it (pending.spec.js, marked
 * "reported").
 */
const fs = require('node:fs')
const path = require('node:path')
const { fixture, runNode, repoRoot } = require('../helpers')

const project = fixture('open-handles')
const jestBin = path.join(repoRoot, 'node_modules', 'jest', 'bin', 'jest.js')

/** "Name at file:line" for each handle jest reported, in its order. */
function reportedHandles(stderr) {
  const start = stderr.indexOf('Jest has detected')
  if (start === -1) return []
  // Each report is "●  Name", a code frame, then the stack down to the test.
  return stderr.slice(start).split('●  ').slice(1).map((report) => {
    const name = report.slice(0, report.indexOf('\n')).trim()
    // "at Object.<anonymous> (file:line:column)", or "at file:line:column" for an arrow function.
    const where = /[( ]([\w-]+\.spec\.js:\d+):\d+\)?$/m.exec(report)
    return `${name} at ${where === null ? '?' : where[1]}`
  })
}

/** "Name at pending.spec.js:line" for each line marked "reported". */
function markedHandles() {
  const lines = fs.readFileSync(path.join(project, 'pending.spec.js'), 'utf8').split('\n')
  return lines.flatMap((line, i) => {
    const made = /new (\w+)\(.*\/\/ reported$/.exec(line)
    return made === null ? [] : [`${made[1]} at pending.spec.js:${i + 1}`]
  })
}

let run

beforeAll(async () => {
  run = await runNode([jestBin, '--detectOpenHandles', '--config', path.join(project, 'jest.config.js')], {
    cwd: repoRoot,
    env: { FORCE_COLOR: '0' },
    timeout: 60000,
  })
}, 90000)

test("the fixture project's tests all ran and passed, and its jest exited by itself", () => {
  expect(run).toMatchObject({ code: 0, killed: false })
  expect(run.stderr).toMatch(/^Tests: +8 passed, 8 total$/m)
})

test('idle pools of both kinds and idle orchestrators, disposed or not, are not reported', () => {
  expect(reportedHandles(run.stderr).filter((handle) => handle.includes('idle.spec.js'))).toEqual([])
})

test('what holds the process is reported, by name, where it was made, and nothing else is', () => {
  // A thread pool, a process pool and an orchestrator.
  expect(markedHandles().map((handle) => handle.split(' ')[0])).toEqual(['ParallelProcessor', 'ParallelProcessor', 'Orchestrator'])
  expect(reportedHandles(run.stderr)).toEqual(markedHandles())
})
