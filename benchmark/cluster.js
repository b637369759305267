'use strict'

/**
 * The cluster group of `npm run bench`: parallel-processor's cluster mode
 * against BullMQ on the same Redis, each with 3 node processes of 2 workers
 * (BullMQ: a Worker of concurrency 2 running its sandboxed processor in
 * worker threads) and one submitting process (this one).
 *
 * - throughput: TASKS tiny tasks submitted at once, until the last settles;
 * - round trip: SEQUENTIAL tiny tasks one at a time, p50 and p99;
 * - recovery: 6 tasks of RECOVERY_TASK_MS (one per worker slot), one node
 *   SIGKILLed RECOVERY_KILL_AT_MS in, time from the kill to the last
 *   settlement. Both with their default failure detection (ours: heartbeat
 *   1 s, dead after 3; BullMQ: lock 30 s, stalled check every 30 s).
 *
 *   node benchmark/cluster.js [--rounds 3] [--json] [--baseline <dir>] [--systems a,b]
 *
 * Systems alternate round by round. REDIS_URL, else a redis-server of its own.
 * `--baseline <dir>`: another built checkout of this package, measured as the
 * system `baseline` in the same rounds (before/after a change); `--systems`
 * keeps only the systems named.
 */
const path = require('node:path')
const { fork } = require('node:child_process')
const { startRedis } = require('../__test__/cluster/redis')

const NODES = 3
const WORKERS = 2
const TASKS = 5000
const SEQUENTIAL = 500
const WARM_UP = 200
const RECOVERY_TASK_MS = 2000
const RECOVERY_KILL_AT_MS = 500
const NODE_SCRIPT = path.join(__dirname, 'workers', 'cluster-node.js')
const PACKAGES = { 'parallel-processor': path.join(__dirname, '..') }

function startNode(system, url, queue) {
  const kind = system === 'bullmq' ? 'bullmq' : 'parallel-processor'
  const env = { ...process.env, BENCH_PACKAGE: PACKAGES[system] ?? '' }
  const child = fork(NODE_SCRIPT, [kind, url, queue, String(WORKERS)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], env })
  return new Promise((resolve, reject) => {
    child.once('message', () => resolve(child))
    child.once('exit', (code, signal) => reject(new Error(`${system} node exited (${code ?? signal}) before it was ready`)))
  })
}

function stopNode(child) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    child.once('exit', resolve)
    child.kill('SIGKILL')
  })
}

/** `{ run(data) -> Promise, runMany(datas) -> Promise, close() }` on a queue. */
async function submitter(system, url, queue) {
  if (system !== 'bullmq') {
    const { ParallelProcessor } = require(PACKAGES[system])
    const pool = new ParallelProcessor(0, { cluster: { redis: url, queue } })
    return {
      run: (data) => pool.execute(data),
      runMany: (datas) => Promise.all(datas.map((data) => pool.execute(data))),
      close: () => pool.dispose(),
    }
  }
  const { Queue, QueueEvents } = require('bullmq')
  const { hostname, port } = new URL(url)
  const connection = { host: hostname, port: Number(port) }
  const jobs = new Queue(queue, { connection, defaultJobOptions: { removeOnComplete: true, removeOnFail: true } })
  const events = new QueueEvents(queue, { connection })
  await Promise.all([jobs.waitUntilReady(), events.waitUntilReady()])
  // A job may complete before `add` returns: its value waits for its waiter.
  const waiting = new Map()
  const early = new Map()
  events.on('completed', ({ jobId, returnvalue }) => {
    const resolve = waiting.get(jobId)
    if (resolve === undefined) return early.set(jobId, returnvalue)
    waiting.delete(jobId)
    resolve(returnvalue)
  })
  const settle = (job) => new Promise((resolve) => {
    if (!early.has(job.id)) return waiting.set(job.id, resolve)
    resolve(early.get(job.id))
    early.delete(job.id)
  })
  return {
    run: async (data) => settle(await jobs.add('task', data)),
    runMany: async (datas) => {
      const added = await jobs.addBulk(datas.map((data) => ({ name: 'task', data })))
      return Promise.all(added.map(settle))
    },
    close: async () => {
      await events.close()
      await jobs.obliterate({ force: true })
      await jobs.close()
    },
  }
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]
}

async function measureRound(system, url, round) {
  const queue = `bench-${system}-${process.pid}-${round}`
  const nodes = await Promise.all(Array.from({ length: NODES }, () => startNode(system, url, queue)))
  const client = await submitter(system, url, queue)
  try {
    await client.runMany(Array.from({ length: WARM_UP }, (_, x) => ({ x })))
    let start = performance.now()
    await client.runMany(Array.from({ length: TASKS }, (_, x) => ({ x })))
    const throughput = TASKS / ((performance.now() - start) / 1000)
    const times = []
    for (let x = 0; x < SEQUENTIAL; x++) {
      start = performance.now()
      await client.run({ x })
      times.push(performance.now() - start)
    }
    times.sort((a, b) => a - b)
    return { throughput, p50: percentile(times, 0.5), p99: percentile(times, 0.99) }
  } finally {
    await client.close()
    await Promise.all(nodes.map(stopNode))
  }
}

async function measureRecovery(system, url) {
  const queue = `bench-recovery-${system}-${process.pid}`
  const nodes = await Promise.all(Array.from({ length: NODES }, () => startNode(system, url, queue)))
  const client = await submitter(system, url, queue)
  try {
    const all = client.runMany(Array.from({ length: NODES * WORKERS }, (_, x) => ({ x, ms: RECOVERY_TASK_MS })))
    await new Promise((resolve) => setTimeout(resolve, RECOVERY_KILL_AT_MS))
    const killedAt = performance.now()
    await stopNode(nodes[0])
    await all
    return { recoveryMs: performance.now() - killedAt }
  } finally {
    await client.close()
    await Promise.all(nodes.map(stopNode))
  }
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

async function main() {
  const args = process.argv.slice(2)
  const roundsFlag = args.indexOf('--rounds')
  const rounds = roundsFlag === -1 ? 3 : Number(args[roundsFlag + 1])
  const baselineFlag = args.indexOf('--baseline')
  if (baselineFlag !== -1) PACKAGES.baseline = path.resolve(args[baselineFlag + 1])
  const systemsFlag = args.indexOf('--systems')
  const SYSTEMS = [...Object.keys(PACKAGES), 'bullmq'].filter((system) => systemsFlag === -1 || args[systemsFlag + 1].split(',').includes(system))
  const redis = await startRedis()
  const samples = Object.fromEntries(SYSTEMS.map((system) => [system, []]))
  try {
    for (let round = 1; round <= rounds; round++) {
      for (const system of SYSTEMS) {
        process.stderr.write(`\r\x1b[Kcluster round ${round}/${rounds}: ${system}`)
        samples[system].push(await measureRound(system, redis.url, round))
      }
    }
    const results = {}
    for (const system of SYSTEMS) {
      process.stderr.write(`\r\x1b[Kcluster recovery: ${system}`)
      const recovery = await measureRecovery(system, redis.url)
      const runs = samples[system]
      results[system] = {
        throughput: median(runs.map((run) => run.throughput)),
        p50: median(runs.map((run) => run.p50)),
        p99: median(runs.map((run) => run.p99)),
        recoveryMs: recovery.recoveryMs,
        byRound: runs,
      }
    }
    process.stderr.write('\r\x1b[K')
    const report = { nodes: NODES, workersPerNode: WORKERS, tasks: TASKS, sequential: SEQUENTIAL, rounds, results }
    if (args.includes('--json')) console.log(JSON.stringify(report))
    else console.log(renderCluster(report))
  } finally {
    await redis.stop()
  }
}

/** The group's table, for results.md. */
function renderCluster({ nodes, workersPerNode, tasks, sequential, rounds, results }) {
  const ours = results['parallel-processor']
  const lines = [
    `### Cluster over Redis: ${nodes} nodes x ${workersPerNode} workers, one submitting process (median of ${rounds} rounds)`,
    '',
    `| system | throughput (${tasks} tiny tasks, tasks/s) | round trip p50 (ms) | p99 (ms) | SIGKILL recovery (s) |`,
    '|---|---:|---:|---:|---:|',
  ]
  for (const [system, r] of Object.entries(results)) {
    const ratio = system === 'parallel-processor' ? '' : ` (ours ${(ours.throughput / r.throughput).toFixed(1)}x)`
    lines.push(`| ${system} | ${Math.round(r.throughput)}${ratio} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${(r.recoveryMs / 1000).toFixed(1)} |`)
  }
  lines.push('', `Round trips: ${sequential} tasks one at a time. Recovery: ${nodes * workersPerNode} tasks of ${RECOVERY_TASK_MS} ms, one node killed ${RECOVERY_KILL_AT_MS} ms in; time from the kill to the last settlement, default failure detection.`)
  return `${lines.join('\n')}\n`
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error)
    process.exitCode = 1
  })
}

module.exports = { renderCluster }
