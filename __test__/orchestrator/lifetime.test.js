'use strict'

const { fixture, runNode } = require('../helpers')

/** Runs the lifetime script in `mode`; returns its reports and how it ended. */
async function lifetime(mode) {
  const run = await runNode([fixture('script-orchestrator-lifetime.js'), mode], { timeout: 15000 })
  expect(run).toMatchObject({ code: 0, killed: false, stderr: '' })
  return { ...run, reports: run.stdout.trim().split('\n').map((line) => JSON.parse(line)) }
}

describe('process lifetime', () => {
  test('a started orchestrator holds the process open until stop(); then it exits by itself', async () => {
    const { reports, ms } = await lifetime('held')
    const [{ runs, stoppedAfterMs }] = reports
    expect(stoppedAfterMs).toBeGreaterThanOrEqual(1000)
    expect(runs).toBeGreaterThanOrEqual(4)
    expect(ms).toBeLessThan(stoppedAfterMs + 3000)
  })

  test('unref(): a started orchestrator no longer holds the process', async () => {
    const { reports } = await lifetime('unref')
    // It exited before its unref()'d timer of 500 ms could fire.
    expect(reports).toEqual([{ mode: 'unref', started: true }])
  })

  test('ref() after unref() holds it again', async () => {
    const { reports } = await lifetime('ref')
    expect(reports).toEqual([{ mode: 'ref', started: true }, { mode: 'ref', heldAfterMs: expect.any(Number) }])
  })

  test('a never started orchestrator holds nothing', async () => {
    const { reports } = await lifetime('not-started')
    expect(reports).toEqual([{ mode: 'not-started', registered: true }])
  })

  test('between runs it makes no wake-ups: next to no CPU over 2 s with a job every 10 minutes', async () => {
    // In a child process of its own: this process's CPU time includes jest's.
    const { reports } = await lifetime('idle-cpu')
    const [{ cpuMs, runs }] = reports
    expect(runs).toBe(0)
    expect(cpuMs).toBeLessThan(50)
  })
})
