'use strict'

const { spawn } = require('node:child_process')
const { fixture, waitFor, isRunning } = require('../helpers')

/**
 * Runs script-orphans.js, which starts two children (one spinning in a task),
 * and ends it as `mode` says. Resolves with the children's pids once the
 * parent is gone.
 */
function runParent(mode) {
  return new Promise((resolve, reject) => {
    const parent = spawn(process.execPath, [fixture('script-orphans.js'), mode], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let pids = null
    parent.stdout.on('data', (chunk) => {
      stdout += chunk
      if (pids === null && stdout.includes('\n')) {
        pids = JSON.parse(stdout.split('\n')[0])
        if (mode === 'wait') parent.kill('SIGKILL')
      }
    })
    parent.on('error', reject)
    parent.on('close', (code, signal) => {
      if (pids === null) reject(new Error(`the parent ended (${code ?? signal}) before its children started: ${stdout}`))
      else resolve({ pids, code, signal })
    })
  })
}

describe('children die with their parent, however it dies', () => {
  test.each([
    ['killed with SIGKILL', 'wait', { signal: 'SIGKILL' }],
    ['process.exit()', 'exit', { code: 0 }],
    ['an uncaught exception', 'uncaught', { code: 1 }],
  ])('%s: every child, the spinning one too, is gone within a second', async (_, mode, end) => {
    const { pids, code, signal } = await runParent(mode)
    expect({ code, signal }).toMatchObject(end)
    expect(pids).toHaveLength(2)
    await waitFor(() => pids.every((pid) => !isRunning(pid)), 1000, 'the children to die')
  })
})
