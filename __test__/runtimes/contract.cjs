'use strict'

/**
 * What users rely on, checked in whichever runtime runs this file (Node, Bun
 * or Deno), for thread and process workers. Plain script, no test runner:
 *
 *   node __test__/runtimes/contract.cjs
 *   bun __test__/runtimes/contract.cjs
 *   deno run -A __test__/runtimes/contract.cjs
 *
 * Windows' node.exe under Wine runs it too (platforms/wine.sh).
 * `--kind=thread` or `--kind=process` checks one kind only. Prints one line
 * per check and "N passed, N failed"; exits 1 on any failure. What this
 * runtime cannot do is expected to be refused by the constructor with
 * ERR_UNSUPPORTED_RUNTIME (see docs/runtimes.md); the expectations are this
 * file's own table below, not the library's.
 */
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const assert = require('node:assert/strict')
const { spawn, execFileSync } = require('node:child_process')
const {
  ParallelProcessor, move, TimeoutError, WorkerCrashedError, AbortError, DisposedError, ProcessorError,
} = require('../..')

const TASKS = path.join(__dirname, 'tasks.js')
const RUNTIME = process.versions.bun ? 'bun' : process.versions.deno || typeof Deno !== 'undefined' ? 'deno' : 'node'
const VERSION = { bun: process.versions.bun, deno: process.versions.deno, node: process.versions.node }[RUNTIME]

/** What each runtime is expected to refuse with ERR_UNSUPPORTED_RUNTIME, per kind. */
const REFUSED = {
  node: { thread: [], process: [] },
  bun: { thread: ['resourceLimits'], process: ['resourceLimits'] },
  deno: { thread: ['resourceLimits'], process: [] },
}

/** How this runtime runs another script (a parent for the orphan checks). */
const SCRIPT_ARGS = RUNTIME === 'deno' ? ['run', '-A'] : []

const kinds = process.argv.slice(2).find((arg) => arg.startsWith('--kind='))?.slice(7).split(',') ?? ['thread', 'process']
let passed = 0
let failed = 0

// Each check's limit: CONTRACT_CHECK_TIMEOUT_MS for slower hosts (emulation, Wine).
const CHECK_TIMEOUT_MS = Number(process.env.CONTRACT_CHECK_TIMEOUT_MS) || 20000

async function check(name, body) {
  const start = Date.now()
  // Whatever a check leaves hanging must not hang the whole run.
  let timer
  const deadline = new Promise((resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`did not finish within ${CHECK_TIMEOUT_MS / 1000} s`)), CHECK_TIMEOUT_MS)
  })
  try {
    await Promise.race([body(), deadline])
    passed++
    console.log(`  ok   ${name} (${Date.now() - start} ms)`)
  } catch (error) {
    failed++
    console.log(`  FAIL ${name}: ${error && error.stack ? error.stack : error}`)
  } finally {
    clearTimeout(timer)
  }
}

const rejection = (promise) => promise.then(
  (value) => { throw new Error(`expected a rejection, got ${JSON.stringify(value)}`) },
  (error) => error,
)

/** A pool that is disposed of however the check ends. */
async function withPool(options, body) {
  const pool = new ParallelProcessor({ filename: TASKS, ...options })
  try {
    await body(pool)
  } finally {
    await pool.dispose()
  }
}

async function contract(kind) {
  console.log(`${RUNTIME} ${VERSION}, ${kind} workers`)
  const refused = REFUSED[RUNTIME][kind]
  const pool = (options, body) => withPool({ kind, ...options }, body)

  await check('execute returns the handler\'s value', () => pool({ workers: 2 }, async (p) => {
    assert.deepEqual(await p.execute({ a: [1, 'two', null], b: { c: true } }), { a: [1, 'two', null], b: { c: true } })
    const sums = await Promise.all(Array.from({ length: 20 }, (_, i) => p.execute({ a: i, b: 1 }, { name: 'add' })))
    assert.deepEqual(sums, Array.from({ length: 20 }, (_, i) => i + 1))
  }))

  await check('a thrown error keeps its class, message and code', () => pool({ workers: 1 }, async (p) => {
    const error = await rejection(p.execute('bad input', { name: 'throwTyped' }))
    assert.ok(error instanceof RangeError, `not a RangeError: ${error}`)
    assert.equal(error.message, 'bad input')
    assert.equal(error.code, 'E_TYPED')
  }))

  await check('a task past its timeout rejects with TimeoutError; the pool goes on', () => pool({ workers: 1 }, async (p) => {
    const error = await rejection(p.execute(10000, { name: 'sleep', timeoutMs: 200 }))
    assert.ok(error instanceof TimeoutError, `not a TimeoutError: ${error}`)
    assert.equal(error.code, 'ERR_TASK_TIMEOUT')
    assert.equal(await p.execute({ a: 1, b: 2 }, { name: 'add' }), 3)
  }))

  await check('a worker that exits rejects with WorkerCrashedError; the pool goes on', () => pool({ workers: 1 }, async (p) => {
    const error = await rejection(p.execute(3, { name: 'exit' }))
    assert.ok(error instanceof WorkerCrashedError, `not a WorkerCrashedError: ${error}`)
    assert.equal(error.exitCode, 3)
    assert.equal(await p.execute({ a: 2, b: 2 }, { name: 'add' }), 4)
  }))

  await check('an uncaught error crashes the worker, with the error as cause', () => pool({ workers: 1 }, async (p) => {
    const error = await rejection(p.execute(10, { name: 'crashLater' }))
    assert.ok(error instanceof WorkerCrashedError, `not a WorkerCrashedError: ${error}`)
    assert.match(String(error.cause && error.cause.message), /late boom/)
    assert.equal(await p.execute({ a: 3, b: 2 }, { name: 'add' }), 5)
  }))

  await check('a signal aborts a running and a queued task with AbortError', () => pool({ workers: 1 }, async (p) => {
    const controller = new AbortController()
    const running = rejection(p.execute(10000, { name: 'sleep', signal: controller.signal }))
    const queued = rejection(p.execute(10000, { name: 'sleep', signal: controller.signal }))
    setTimeout(() => controller.abort(new Error('stop')), 100)
    for (const error of await Promise.all([running, queued])) {
      assert.ok(error instanceof AbortError, `not an AbortError: ${error}`)
      assert.equal(error.cause.message, 'stop')
    }
    const already = await rejection(p.execute(1, { name: 'sleep', signal: AbortSignal.abort() }))
    assert.ok(already instanceof AbortError)
    assert.equal(await p.execute(5, { name: 'sleep' }), 5)
  }))

  await check('dispose() rejects running and queued tasks with DisposedError', async () => {
    const p = new ParallelProcessor({ kind, workers: 1, filename: TASKS })
    const tasks = [1, 2, 3].map(() => rejection(p.execute(10000, { name: 'sleep' })))
    await new Promise((resolve) => setTimeout(resolve, 100))
    await p.dispose()
    for (const error of await Promise.all(tasks)) assert.ok(error instanceof DisposedError, `not a DisposedError: ${error}`)
    assert.ok(await rejection(p.execute(1)) instanceof DisposedError)
  })

  await check('a moved buffer travels there and back, detached at the caller', () => pool({ workers: 1 }, async (p) => {
    for (const size of [16, 1024 * 1024]) {
      const bytes = new Uint8Array(size).map((_, i) => i % 256)
      const result = await p.execute(move(bytes), { name: 'invert' })
      assert.equal(result.length, size)
      assert.ok(result.every((value, i) => value === 255 - (i % 256)), 'wrong bytes back')
      // Moved: the caller's buffer is detached (a process worker gets a copy of it).
      assert.equal(bytes.length, 0)
    }
    const buffer = new ArrayBuffer(8)
    const back = await p.execute(new Uint8Array(buffer), { name: 'invert', transferList: [buffer] })
    assert.deepEqual([...back], new Array(8).fill(255))
  }))

  await check(kind === 'thread' ? 'shared memory is shared' : 'shared memory is refused with ERR_DATA_CLONE', () => pool({ workers: 1 }, async (p) => {
    const shared = new SharedArrayBuffer(16)
    if (kind === 'thread') {
      assert.equal(await p.execute(shared, { name: 'bumpShared' }), 4)
      assert.deepEqual([...new Int32Array(shared)], [1, 1, 1, 1])
    } else {
      const error = await rejection(p.execute(shared, { name: 'bumpShared' }))
      assert.equal(error.code, 'ERR_DATA_CLONE')
    }
  }))

  await check('workerData, argv and env reach the worker', () => pool({
    workers: 1, workerData: { n: 1 }, argv: ['--flag', 2], env: { ...process.env, CONTRACT_ENV: 'yes' },
  }, async (p) => {
    const seen = await p.execute(null, { name: 'context' })
    assert.deepEqual(seen, { isWorker: true, workerData: { n: 1 }, argv: ['--flag', '2'], env: 'yes' })
  }))

  await check('the pool ends: an idle pool does not hold the process', () => pool({ workers: 2 }, async (p) => {
    assert.equal(await p.execute(1), 1)
  }))

  if (kind === 'process') {
    for (const [how, mode] of [['killed', 'kill'], ['process.exit()', 'exit'], ['an uncaught exception', 'uncaught']]) {
      await check(`the children die with their parent: ${how}`, () => orphans(mode))
    }
  }

  if (refused.includes('resourceLimits')) {
    await check('resourceLimits is refused with ERR_UNSUPPORTED_RUNTIME', async () => {
      const error = captureThrow(() => new ParallelProcessor({ kind, filename: TASKS, resourceLimits: { maxOldGenerationSizeMb: 64 } }))
      assert.ok(error instanceof ProcessorError, `not a ProcessorError: ${error}`)
      assert.equal(error.code, 'ERR_UNSUPPORTED_RUNTIME')
      assert.equal(error.runtime, RUNTIME)
      assert.match(error.message, /resourceLimits/)
    })
  } else {
    await check('resourceLimits: a worker that outgrows its heap crashes; the pool goes on', () => pool({
      workers: 1, resourceLimits: { maxOldGenerationSizeMb: 64 }, stdio: 'ignore',
    }, async (p) => {
      const error = await rejection(p.execute(null, { name: 'exhaustMemory' }))
      assert.ok(error instanceof WorkerCrashedError, `not a WorkerCrashedError: ${error}`)
      assert.equal(await p.execute({ a: 1, b: 1 }, { name: 'add' }), 2)
    }))
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

/** Whether `pid` is a running process (a zombie is not: it is dead, waiting to be reaped). */
function isRunning(pid) {
  try {
    process.kill(pid, 0)
  } catch (error) {
    if (error.code === 'ESRCH') return false
    throw error
  }
  if (process.platform !== 'linux') return true
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z'
  } catch {
    return false
  }
}

/**
 * Starts a parent (this script, `--parent=<file>`) with two process workers,
 * one busy in a task, and ends it as `mode` says: killed (taskkill /F on
 * Windows, SIGKILL elsewhere), process.exit() or an uncaught exception. Then
 * every child must be gone within 5 s, which this process, the survivor,
 * checks by their pids.
 */
async function orphans(mode) {
  const file = path.join(os.tmpdir(), `contract-orphans-${process.pid}-${Date.now()}.json`)
  const parent = spawn(process.execPath, [...SCRIPT_ARGS, __filename, `--parent=${file}`, `--mode=${mode}`], { stdio: 'ignore' })
  const ended = new Promise((resolve, reject) => {
    parent.on('error', reject)
    parent.on('exit', (code, signal) => resolve({ code, signal }))
  })
  let pids
  try {
    for (const start = Date.now(); pids === undefined; await sleep(50)) {
      if (fs.existsSync(file)) pids = JSON.parse(fs.readFileSync(file, 'utf8'))
      else if (parent.exitCode !== null) throw new Error(`the parent ended (${parent.exitCode}) before its children started`)
      else if (Date.now() - start > CHECK_TIMEOUT_MS - 7000) throw new Error('the parent\'s children did not start')
    }
  } finally {
    if (pids === undefined) parent.kill('SIGKILL')
    fs.rmSync(file, { force: true })
  }
  if (mode === 'kill') {
    if (process.platform === 'win32') execFileSync('taskkill', ['/F', '/PID', String(pids.parent)], { stdio: 'ignore' })
    else process.kill(pids.parent, 'SIGKILL')
  }
  const end = await ended
  if (mode === 'exit') assert.equal(end.code, 0)
  if (mode === 'uncaught') assert.equal(end.code, 1)
  assert.equal(pids.workers.length, 2)
  const killedAt = Date.now()
  while (pids.workers.some(isRunning)) {
    if (Date.now() - killedAt > 5000) {
      const survivors = pids.workers.filter(isRunning)
      for (const pid of survivors) process.kill(pid, 'SIGKILL')
      throw new Error(`children ${survivors.join(', ')} outlived their parent by 5 s (${JSON.stringify(end)})`)
    }
    await sleep(50)
  }
}

/** The parent of `orphans()`: writes its pid and its children's to `file` once they run, then ends as `mode` says. */
function parent(file, mode) {
  const pool = new ParallelProcessor({ kind: 'process', workers: 2, filename: TASKS })
  pool.execute(null, { name: 'spin' }).catch(() => {})
  const poll = setInterval(() => {
    const workers = pool.stats().workers
    if (pool.running !== 1 || workers.length !== 2 || !workers.every((w) => w.pid !== undefined && w.state !== 'starting')) return
    clearInterval(poll)
    fs.writeFileSync(`${file}.tmp`, JSON.stringify({ parent: process.pid, workers: workers.map((w) => w.pid) }))
    fs.renameSync(`${file}.tmp`, file)
    if (mode === 'exit') process.exit(0)
    if (mode === 'uncaught') throw new Error('the parent dies')
    // 'kill': waits to be killed.
  }, 20)
}

function captureThrow(body) {
  try {
    body()
  } catch (error) {
    return error
  }
  throw new Error('expected the constructor to throw')
}

async function main() {
  const start = Date.now()
  for (const kind of kinds) await contract(kind)
  console.log(`${RUNTIME} ${VERSION}: ${(Date.now() - start) / 1000} s`)
  console.log(`${passed} passed, ${failed} failed`)
  process.exitCode = failed === 0 ? 0 : 1
  // An idle, disposed pool must let the process end by itself: fail if it does not.
  setTimeout(() => {
    console.log('FAIL the process did not end by itself after its pools were disposed')
    process.exit(1)
  }, 5000).unref()
}

const parentOf = process.argv.slice(2).find((arg) => arg.startsWith('--parent='))?.slice(9)
if (parentOf) {
  parent(parentOf, process.argv.slice(2).find((arg) => arg.startsWith('--mode='))?.slice(7))
} else {
  main().catch((error) => {
    console.log(`FAIL ${error && error.stack ? error.stack : error}`)
    process.exit(1)
  })
}
