'use strict'

const fs = require('node:fs')
const path = require('node:path')
const { execFile } = require('node:child_process')

const fixture = (name) => path.join(__dirname, 'fixtures', name)

/**
 * Resolves after `ms`. Not to wait for something to happen (that is
 * waitFor()'s job: a busy machine makes any fixed delay too short), only to
 * let time pass on purpose: to show that something did NOT happen meanwhile,
 * or to space out actions.
 */
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * Resolves once `condition()` is true (or resolves to true: it may be async);
 * rejects after `timeoutMs`.
 */
async function waitFor(condition, timeoutMs = 5000, what = 'condition') {
  const start = Date.now()
  for (;;) {
    let met = condition()
    // A synchronous condition is checked at once, as before any await.
    if (typeof met?.then === 'function') met = await met
    if (met) return
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`)
    await sleep(10)
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

/** How many threads this process has: Linux's /proc; macOS's `ps -M`, a line per thread after its header. */
function threadCount() {
  if (process.platform === 'darwin') {
    const lines = require('node:child_process').execFileSync('ps', ['-M', '-p', String(process.pid)], { encoding: 'utf8' })
    return lines.trim().split('\n').length - 1
  }
  return Number(/Threads:\s+(\d+)/.exec(fs.readFileSync('/proc/self/status', 'utf8'))[1])
}

/**
 * Whether `pid` is a live process (a zombie is dead: it only waits to be
 * reaped). Linux's /proc tells zombies apart; elsewhere (macOS) a signal 0
 * says whether the pid exists, and an orphan's zombie is reaped at once by
 * launchd. (Not for Windows, where process.kill(pid, 0) opens the process.)
 */
function isRunning(pid) {
  if (process.platform !== 'linux') {
    try {
      process.kill(pid, 0)
      return true
    } catch (error) {
      return error.code === 'EPERM'
    }
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z'
  } catch {
    return false
  }
}

/**
 * Resolves with `pool` once every worker it has is idle (started, running
 * nothing) and it has `size` of them (given), or at least one (not given: an
 * empty pool is not ready). Rejects after `timeoutMs`: 20 s by default, within
 * jest's 30 s, since a start-up is a precondition here, not what is tested
 * (four process workers under qemu's emulation took more than 5 s).
 */
async function whenReady(pool, { size, timeoutMs = 20000, what = 'workers to be ready' } = {}) {
  const hasItsWorkers = size === undefined ? () => pool.size > 0 : () => pool.size === size
  await waitFor(() => hasItsWorkers() && pool.stats().workers.every((w) => w.state === 'idle'), timeoutMs, what)
  return pool
}

/**
 * A pool of the kind under test whose workers are all idle: `options.workers`
 * of them when it says. Its module is the tasks.js fixture unless
 * `options.filename` names another; `wait` is whenReady()'s. A pool that does
 * not get ready is disposed.
 */
async function readyPool(options = {}, wait = {}) {
  const { ParallelProcessor } = require('./pool-kind')
  const pool = new ParallelProcessor({ filename: fixture('tasks.js'), ...options })
  try {
    return await whenReady(pool, { size: options.workers, ...wait })
  } catch (error) {
    await pool.dispose()
    throw error
  }
}

module.exports = { fixture, sleep, waitFor, track, runNode, readyPool, whenReady, isRunning, threadCount, repoRoot: path.join(__dirname, '..') }
