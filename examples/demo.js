'use strict'

// A tour of parallel-processor: real parallel speed-up, a crashed worker
// contained, a runaway task timed out, a segfault contained by a process
// worker. Run with `npm run example`.
const os = require('node:os')
const { ParallelProcessor, WorkerCrashedError, TimeoutError } = require('..')

const filename = require.resolve('./demo-task.js')

// 6M numbers in 24 chunks: more chunks than workers, so that no worker is
// left idle while another still has a big slice (later chunks cost more).
const LIMIT = 6_000_000
const CHUNKS = 24

function ms(since) {
  return Number(process.hrtime.bigint() - since) / 1e6
}

// Workers start eagerly, but starting them is not what we want to time. One
// async task per worker: a worker runs one task at a time, so each of them
// has to be up and have loaded the module before all of these settle.
function warmUp(pool, workers) {
  return Promise.all(Array.from({ length: workers }, () => pool.execute(20, { name: 'sleep' })))
}

async function countPrimesWith(workers) {
  const pool = new ParallelProcessor(workers, { filename })
  try {
    await warmUp(pool, workers)
    const started = process.hrtime.bigint()
    const step = LIMIT / CHUNKS
    const counts = await Promise.all(Array.from({ length: CHUNKS }, (_, i) =>
      pool.execute({ from: i * step, to: (i + 1) * step }, { name: 'countPrimes' })))
    const elapsed = ms(started)
    const total = counts.reduce((a, b) => a + b, 0)
    console.log(`  ${workers} worker(s): ${total} primes below ${LIMIT} in ${elapsed.toFixed(0)} ms`)
    return elapsed
  } finally {
    await pool.dispose()
  }
}

async function speedUp() {
  console.log('1. CPU-bound work, one worker vs. all cores')
  const cores = os.availableParallelism()
  const one = await countPrimesWith(1)
  const all = await countPrimesWith(cores)
  console.log(`  speed-up with ${cores} workers: ${(one / all).toFixed(2)}x (measured, on ${cores} cores)\n`)
}

async function crashContained() {
  console.log('2. A worker that calls process.exit(3)')
  const pool = new ParallelProcessor(2, { filename })
  try {
    // Submitted together: the crash must reject its own task only.
    const results = await Promise.allSettled([
      pool.execute(null, { name: 'crash' }),
      pool.execute(100, { name: 'sleep' }),
      pool.execute({ from: 0, to: 100_000 }, { name: 'countPrimes' }),
      pool.execute(50, { name: 'sleep' }),
    ])
    for (const [i, r] of results.entries()) {
      if (r.status === 'fulfilled') {
        console.log(`  task ${i}: ok -> ${r.value}`)
      } else if (r.reason instanceof WorkerCrashedError) {
        const e = r.reason
        console.log(`  task ${i}: ${e.name} (workerId ${e.workerId}, exitCode ${e.exitCode})`)
      } else {
        throw r.reason
      }
    }
    // The crashed worker has already been replaced: the pool is full size
    // and the replacement serves new tasks.
    const after = await pool.execute(10, { name: 'sleep' })
    const stats = pool.stats()
    console.log(`  afterwards: pool.size = ${pool.size}, a new task -> ${after}, ` +
      `crashed = ${stats.crashed}, workersStarted = ${stats.workersStarted}\n`)
  } finally {
    await pool.dispose()
  }
}

async function timeoutContained() {
  console.log('3. A task stuck in while (true) {} with timeoutMs: 300')
  const pool = new ParallelProcessor(2, { filename })
  try {
    await warmUp(pool, 2)
    // Each task's own settle time: the deadline counts from when it starts running.
    const started = process.hrtime.bigint()
    const timed = (promise) => promise.then(
      (value) => ({ value, elapsed: ms(started) }),
      (error) => ({ error, elapsed: ms(started) }))
    const [stuck, other] = await Promise.all([
      timed(pool.execute(null, { name: 'spin', timeoutMs: 300 })),
      timed(pool.execute(100, { name: 'sleep' })),
    ])
    if (!(stuck.error instanceof TimeoutError)) throw stuck.error ?? new Error('spin returned?')
    console.log(`  stuck task: ${stuck.error.name} after ${stuck.elapsed.toFixed(0)} ms (timeoutMs ${stuck.error.timeoutMs})`)
    console.log(`  other task: ${other.error ?? `ok -> ${other.value}`} after ${other.elapsed.toFixed(0)} ms`)
    // The stuck worker was terminated at the deadline and a replacement
    // started at the same moment, so the pool is already at full size.
    console.log(`  afterwards: pool.size = ${pool.size}, timedOut = ${pool.stats().timedOut}, ` +
      `a new task -> ${await pool.execute(10, { name: 'sleep' })}\n`)
  } finally {
    await pool.dispose()
  }
}

async function segfaultContained() {
  console.log("4. A task that segfaults, on process workers (kind: 'process')")
  const pool = new ParallelProcessor(2, { kind: 'process', filename })
  try {
    const [crashed, other] = await Promise.allSettled([
      pool.execute(null, { name: 'segfault' }),
      pool.execute(100, { name: 'sleep' }),
    ])
    if (!(crashed.reason instanceof WorkerCrashedError)) throw crashed.reason ?? new Error('segfault returned?')
    console.log(`  crashing task: ${crashed.reason.name} (workerId ${crashed.reason.workerId}, signal ${crashed.reason.signal})`)
    console.log(`  other task: ok -> ${other.value}`)
    const pids = pool.stats().workers.map((w) => w.pid)
    console.log(`  afterwards: pool.size = ${pool.size}, children ${pids.join(' and ')}, a new task -> ` +
      `${await pool.execute(10, { name: 'sleep' })}\n`)
  } finally {
    await pool.dispose()
  }
}

async function main() {
  const started = process.hrtime.bigint()
  await speedUp()
  await crashContained()
  await timeoutContained()
  await segfaultContained()
  // Every pool was disposed above, so nothing holds the process: it exits with 0.
  console.log(`done in ${(ms(started) / 1000).toFixed(1)} s`)
}

main().catch((error) => {
  console.error(error)
  process.exitCode = 1
})
