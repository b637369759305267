'use strict'

const { fixture, runNode } = require('../helpers')

test('listeners that throw never break the scheduler; each throw becomes a process warning', async () => {
  const run = await runNode(['--no-warnings', fixture('script-orchestrator-throwing-listeners.js')])
  expect(run).toMatchObject({ code: 0, killed: false, stderr: '' })
  const report = JSON.parse(run.stdout)
  expect(report).toMatchObject({ triggered: 'manual', state: 'stopped' })
  expect(report.successes).toBeGreaterThanOrEqual(5)
  expect(report.kinds).toEqual([
    'OrchestratorListenerWarning: listener of jobSkipped',
    'OrchestratorListenerWarning: listener of jobStart',
    'OrchestratorListenerWarning: listener of jobSuccess',
  ])
})
