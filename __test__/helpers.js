'use strict'

const fs = require('node:fs')
const path = require('node:path')
const { execFile } = require('node:child_process')

const fixture = (name) => path.join(__dirname, 'fixtures', name)

/** Resolves once `condition()` is true; rejects after `timeoutMs`. */
async function waitFor(condition, timeoutMs = 5000, what = 'condition') {
  const start = Date.now()
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

/**
 * Wraps promises so that every settlement is counted. `settled()` resolves
 * when all have settled (or rejects if some are still pending after
 * `timeoutMs`), with their outcomes.
 */
function track(promises) {
  const outcomes = promises.map(() => ({ count: 0, status: 'pending', value: undefined }))
  promises.forEach((promise, i) => {
    promise.then(
      (value) => { outcomes[i].count++; outcomes[i].status = 'fulfilled'; outcomes[i].value = value },
      (error) => { outcomes[i].count++; outcomes[i].status = 'rejected'; outcomes[i].value = error },
    )
  })
  return {
    outcomes,
    async settled(timeoutMs = 10000) {
      await waitFor(() => outcomes.every((o) => o.count > 0), timeoutMs, 'every promise to settle')
      // Give a double settlement a chance to show up.
      await new Promise((resolve) => setImmediate(resolve))
      for (const o of outcomes) expect(o.count).toBe(1)
      return outcomes
    },
  }
}

/** Runs a Node script; resolves with { code, signal, stdout, stderr, ms }. */
function runNode(args, options = {}) {
  const start = Date.now()
  return new Promise((resolve) => {
    // The script's pools are of the kind under test (see pool-kind.js).
    const env = { ...process.env, POOL_KIND: require('./pool-kind').KIND, ...options.env }
    execFile(process.execPath, args, { timeout: 20000, ...options, env }, (error, stdout, stderr) => {
      resolve({
        code: error ? error.code ?? null : 0,
        signal: error ? error.signal ?? null : null,
        killed: error ? Boolean(error.killed) : false,
        stdout,
        stderr,
        ms: Date.now() - start,
      })
    })
  })
}

/** Whether `pid` is a live process (a zombie is dead: it only waits to be reaped). */
function isRunning(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z'
  } catch {
    return false
  }
}

/** A pool over the fixture module whose workers have all started. */
async function readyPool(options) {
  const { ParallelProcessor } = require('./pool-kind')
  const pool = new ParallelProcessor({ filename: fixture('tasks.js'), ...options })
  await waitFor(() => pool.stats().workers.every((w) => w.state === 'idle'), 5000, 'workers to be ready')
  return pool
}

module.exports = { fixture, waitFor, track, runNode, readyPool, isRunning, repoRoot: path.join(__dirname, '..') }
