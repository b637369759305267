'use strict'

/**
 * The lifeline (src/process/os/unix/lifeline.rs): on every Unix, a child
 * holds the read end of a pipe only its parent can write. On macOS, which
 * has no parent-death signal, a thread of the addon's kills the child when
 * the pipe closes; Linux uses its parent-death signal instead. The watcher
 * is tested here directly, and the pipe's placement in every child.
 */
const { spawn } = require('node:child_process')
const { readyPool, repoRoot } = require('../helpers')

const { lifelineFd: LIFELINE_FD } = require('../../lib/shared/generated/constants').PROCESS_FRAME

test('a process whose lifeline closes is killed at once, even while its JavaScript spins', async () => {
  // A Node process with a pipe at the lifeline's descriptor, which it watches, then spins.
  const script = `
    require(${JSON.stringify(repoRoot)} + '/lib/native').watchLifeline(${LIFELINE_FD})
    process.stdout.write('watching\\n')
    for (;;) {}
  `
  const stdio = ['ignore', 'pipe', 'inherit', ...Array(LIFELINE_FD - 3).fill('ignore'), 'pipe']
  const child = spawn(process.execPath, ['-e', script], { stdio })
  const ended = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })))
  await new Promise((resolve) => child.stdout.once('data', resolve))
  // The parent's end closes, as it does when the parent dies.
  child.stdio[LIFELINE_FD].destroy()
  expect(await ended).toEqual({ code: null, signal: 'SIGKILL' })
})

test('each process worker finds its lifeline at its descriptor: a pipe', async () => {
  const pool = await readyPool({ workers: 2 })
  try {
    const seen = await Promise.all([0, 1].map(() => pool.execute(LIFELINE_FD, { name: 'descriptor' })))
    expect(seen.map(({ fifo }) => fifo)).toEqual([true, true])
    expect(seen[0].pid).not.toBe(seen[1].pid)
  } finally {
    await pool.dispose()
  }
})
