'use strict'

/**
 * What users rely on, checked in whichever runtime runs this file (Node, Bun
 * or Deno), for thread and process workers. Plain script, no test runner:
 *
 *   node __test__/runtimes/contract.js
 *   bun __test__/runtimes/contract.js
 *   deno run -A __test__/runtimes/contract.js
 *
 * `--kind=thread` or `--kind=process` checks one kind only. Prints one line
 * per check and "N passed, N failed"; exits 1 on any failure. What this
 * runtime cannot do is expected to be refused by the constructor with
 * ERR_UNSUPPORTED_RUNTIME (see docs/runtimes.md); the expectations are this
 * file's own table below, not the library's.
 */
const path = require('node:path')
const assert = require('node:assert/strict')
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

const kinds = process.argv.slice(2).find((arg) => arg.startsWith('--kind='))?.slice(7).split(',') ?? ['thread', 'process']
let passed = 0
let failed = 0

async function check(name, body) {
  const start = Date.now()
  // Whatever a check leaves hanging must not hang the whole run.
  let timer
  const deadline = new Promise((resolve, reject) => {
    timer = setTimeout(() => reject(new Error('did not finish within 20 s')), 20000)
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

main().catch((error) => {
  console.log(`FAIL ${error && error.stack ? error.stack : error}`)
  process.exit(1)
})
