'use strict'

/**
 * The runtime contract (contract.cjs) under Node, Bun and Deno, as
 * installed by platforms/runtimes.sh in .cache/runtimes/ (or RUNTIMES_DIR).
 * A runtime that is not installed fails its test, with how to install it.
 */
const fs = require('node:fs')
const path = require('node:path')
const { spawnSync } = require('node:child_process')

const root = path.join(__dirname, '..', '..')
const dir = process.env.RUNTIMES_DIR ?? path.join(root, '.cache', 'runtimes')
const CONTRACT = path.join(__dirname, 'contract.cjs')

const runtimes = [
  ['node', process.execPath, []],
  ['bun', path.join(dir, 'node_modules', '@oven', 'bun-linux-x64', 'bin', 'bun'), []],
  ['deno', path.join(dir, 'node_modules', '@deno', 'linux-x64-glibc', 'deno'), ['run', '-A']],
]

describe.each(runtimes)('the runtime contract under %s', (name, binary, args) => {
  test('passes for thread and process workers', () => {
    if (!fs.existsSync(binary)) {
      throw new Error(`${name} is not installed at ${binary}: run platforms/runtimes.sh install (it installs Bun and Deno from npm into .cache/runtimes/)`)
    }
    const run = spawnSync(binary, [...args, CONTRACT], {
      cwd: root,
      encoding: 'utf8',
      timeout: 240000,
      env: { ...process.env, NO_COLOR: '1' },
    })
    const output = `${run.stdout}\n${run.stderr}`
    if (run.status !== 0) throw new Error(`${name} exited with ${run.status ?? run.signal}:\n${output}`)
    expect(output).toMatch(/^\d+ passed, 0 failed$/m)
  }, 300000)
})
