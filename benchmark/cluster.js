'use strict'

/**
 * The cluster group of `npm run bench`: parallel-processor's cluster mode
 * against BullMQ on the same Redis, each with 3 node processes and one
 * submitting process (this one). Ours: 2 thread workers per node, running
 * one task at a time each, then TASKS_PER_WORKER at a time. BullMQ:
 * a Worker per node running its processor inline (its usual setup) at each
 * concurrency of BULLMQ_CONCURRENCY, and its sandboxed processor (worker
 * threads) at concurrency 2.
 *
 * - throughput: TASKS tiny tasks submitted at once, until the last settles;
 *   meanwhile the CPU time of every process (the submitter, each node, Redis
 *   from `INFO cpu`) and the commands Redis ran (`INFO commandstats`, those
 *   run inside scripts included) are summed, per task;
 * - round trip: SEQUENTIAL tiny tasks one at a time, p50 and p99;
 * - recovery (ours and BullMQ's first configuration only: BullMQ's failure
 *   detection does not depend on its processor): 6 tasks of RECOVERY_TASK_MS
 *   (one per worker slot), one node SIGKILLed RECOVERY_KILL_AT_MS in, time
 *   from the kill to the last settlement. Both with their default failure
 *   detection (ours: heartbeat 1 s, dead after 3; BullMQ: lock 30 s,
 *   stalled check every 30 s).
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
const { startRedis, command } = require('../__test__/cluster/redis')

const NODES = 3
const WORKERS = 2
const TASKS = 20000
const SEQUENTIAL = 500
const WARM_UP = 1000
const RECOVERY_TASK_MS = 2000
const RECOVERY_KILL_AT_MS = 500
const BULLMQ_CONCURRENCY = [1, 2, 10, 50]
/** Ours once more with this many tasks at once per worker (`concurrentTasksPerWorker`), as BullMQ's concurrency. */
const TASKS_PER_WORKER = 16
const NODE_SCRIPT = path.join(__dirname, 'workers', 'cluster-node.js')
const PACKAGES = { 'parallel-processor': path.join(__dirname, '..') }

/** The systems measured: `{ name, kind, slots (per node), mode }`. */
function allSystems() {
  const ours = Object.keys(PACKAGES).flatMap((name) => [
    { name, kind: 'parallel-processor', slots: WORKERS },
    { name: `${name}, ${TASKS_PER_WORKER} tasks per worker`, kind: 'parallel-processor', slots: WORKERS, mode: TASKS_PER_WORKER, package: name },
  ])
  const inline = BULLMQ_CONCURRENCY.map((slots) => ({ name: `bullmq inline, concurrency ${slots}`, kind: 'bullmq', slots, mode: 'inline' }))
  return [...ours, ...inline, { name: `bullmq sandboxed, concurrency ${WORKERS}`, kind: 'bullmq', slots: WORKERS, mode: 'sandboxed' }]
}

function startNode(system, url, queue) {
  const env = { ...process.env, BENCH_PACKAGE: PACKAGES[system.package ?? system.name] ?? '' }
  const args = [system.kind, url, queue, String(system.slots), String(system.mode ?? '')]
  const child = fork(NODE_SCRIPT, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], env })
  return new Promise((resolve, reject) => {
    child.once('message', () => resolve(child))
    child.once('exit', (code, signal) => reject(new Error(`${system.name} node exited (${code ?? signal}) before it was ready`)))
  })
}

function stopNode(child) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    child.once('exit', resolve)
    child.kill('SIGKILL')
  })
}

/** A node's CPU time so far, in µs (user + system, all its threads). */
function nodeCpu(child) {
  return new Promise((resolve) => {
    const answer = (message) => {
      if (message?.cpu === undefined) return
      child.off('message', answer)
      resolve(message.cpu.user + message.cpu.system)
    }
    child.on('message', answer)
    child.send('cpu')
  })
}

/** `INFO <section>` as `{ field: value }`. */
async function info(url, section) {
  const text = await command(url, 'INFO', section)
  return Object.fromEntries(text.split('\r\n').filter((line) => line.includes(':')).map((line) => {
    const colon = line.indexOf(':')
    return [line.slice(0, colon), line.slice(colon + 1)]
  }))
}

/** Redis's CPU time so far, in µs (main thread and its helpers). */
async function redisCpu(url) {
  const cpu = await info(url, 'cpu')
  return (Number(cpu.used_cpu_user) + Number(cpu.used_cpu_sys)) * 1e6
}

/** Commands Redis ran since its last `CONFIG RESETSTAT`: `{ all, scripts }` (script calls; `all` counts the commands inside them too). */
async function redisCommands(url) {
  const stats = await info(url, 'commandstats')
  let all = 0
  let scripts = 0
  for (const [field, value] of Object.entries(stats)) {
    const name = field.replace(/^cmdstat_/, '')
    if (name === 'info' || name === 'config|resetstat') continue
    const calls = Number(/calls=(\d+)/.exec(value)[1])
    all += calls
    if (/^(evalsha|eval|fcall)/.test(name)) scripts += calls
  }
  return { all, scripts }
}

/** The CPU time of every process of a measure, in µs: this one, each node, Redis. */
async function cpuOfAll(url, nodes) {
  const own = process.cpuUsage()
  const [redis, ...perNode] = await Promise.all([redisCpu(url), ...nodes.map(nodeCpu)])
  return { submitter: own.user + own.system, nodes: perNode.reduce((a, b) => a + b, 0), redis }
}

/** `{ run(data) -> Promise, runMany(datas) -> Promise, close() }` on a queue. */
async function submitter(system, url, queue) {
  if (system.kind !== 'bullmq') {
    const { ParallelProcessor } = require(PACKAGES[system.package ?? system.name])
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
  const queue = `bench-${system.kind}-${process.pid}-${round}-${system.slots}-${system.mode ?? 'ours'}`
  const nodes = await Promise.all(Array.from({ length: NODES }, () => startNode(system, url, queue)))
  const client = await submitter(system, url, queue)
  try {
    await client.runMany(Array.from({ length: WARM_UP }, (_, x) => ({ x })))
    const cpuBefore = await cpuOfAll(url, nodes)
    await command(url, 'CONFIG', 'RESETSTAT')
    let start = performance.now()
    const results = await client.runMany(Array.from({ length: TASKS }, (_, x) => ({ x })))
    const throughput = TASKS / ((performance.now() - start) / 1000)
    const commands = await redisCommands(url)
    const cpuAfter = await cpuOfAll(url, nodes)
    if (results[TASKS - 1] !== TASKS) throw new Error(`${system.name}: the last task returned ${results[TASKS - 1]}`)
    const cpuUs = Object.fromEntries(Object.keys(cpuAfter).map((part) => [part, (cpuAfter[part] - cpuBefore[part]) / TASKS]))
    const times = []
    for (let x = 0; x < SEQUENTIAL; x++) {
      start = performance.now()
      await client.run({ x })
      times.push(performance.now() - start)
    }
    times.sort((a, b) => a - b)
    return {
      throughput,
      p50: percentile(times, 0.5),
      p99: percentile(times, 0.99),
      cpuUs: { ...cpuUs, total: cpuUs.submitter + cpuUs.nodes + cpuUs.redis },
      commandsPerTask: commands.all / TASKS,
      scriptsPerTask: commands.scripts / TASKS,
    }
  } finally {
    await client.close()
    await Promise.all(nodes.map(stopNode))
  }
}

async function measureRecovery(system, url) {
  const queue = `bench-recovery-${system.kind}-${process.pid}`
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
  const named = systemsFlag === -1 ? null : args[systemsFlag + 1].split(',')
  const systems = allSystems().filter((system) => named === null || named.some((name) => system.name.startsWith(name)))
  const withRecovery = new Set([...Object.keys(PACKAGES), systems.find((system) => system.kind === 'bullmq')?.name])
  const redis = await startRedis()
  const samples = Object.fromEntries(systems.map((system) => [system.name, []]))
  try {
    for (let round = 1; round <= rounds; round++) {
      for (const system of systems) {
        process.stderr.write(`\r\x1b[Kcluster round ${round}/${rounds}: ${system.name}`)
        samples[system.name].push(await measureRound(system, redis.url, round))
      }
    }
    const results = {}
    for (const system of systems) {
      let recoveryMs = null
      if (!args.includes('--no-recovery') && withRecovery.has(system.name)) {
        process.stderr.write(`\r\x1b[Kcluster recovery: ${system.name}`)
        recoveryMs = (await measureRecovery(system, redis.url)).recoveryMs
      }
      const runs = samples[system.name]
      const cpuOf = (part) => median(runs.map((run) => run.cpuUs[part]))
      results[system.name] = {
        throughput: median(runs.map((run) => run.throughput)),
        p50: median(runs.map((run) => run.p50)),
        p99: median(runs.map((run) => run.p99)),
        cpuUs: { submitter: cpuOf('submitter'), nodes: cpuOf('nodes'), redis: cpuOf('redis'), total: cpuOf('total') },
        commandsPerTask: median(runs.map((run) => run.commandsPerTask)),
        scriptsPerTask: median(runs.map((run) => run.scriptsPerTask)),
        recoveryMs,
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
  const fastest = (rows) => rows.reduce((a, b) => (b[1].throughput > (a?.[1].throughput ?? 0) ? b : a), null)
  const rows = Object.entries(results)
  const oursAtBest = fastest(rows.filter(([system]) => system.startsWith('parallel-processor')))
  const ours = oursAtBest?.[1]
  const best = fastest(rows.filter(([system]) => system.startsWith('bullmq')))
  const lines = [
    `### Cluster over Redis: ${nodes} nodes, one submitting process (median of ${rounds} rounds)`,
    '',
    `Ours: ${workersPerNode} thread workers per node, one task at a time each, or ${TASKS_PER_WORKER} (\`concurrentTasksPerWorker\`). BullMQ: a Worker per node, its processor inline at each concurrency, or sandboxed (worker threads). CPU: the time of every process (submitter, nodes, Redis) during the throughput measure, per task. Redis commands: those scripts run included.`,
    '',
    `| system | throughput (${tasks} tiny tasks, tasks/s) | CPU per task (µs): all | submitter | nodes | Redis | Redis commands per task | script calls per task | round trip p50 (ms) | p99 (ms) | SIGKILL recovery (s) |`,
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ]
  for (const [system, r] of Object.entries(results)) {
    const ratio = ours === undefined || !system.startsWith('bullmq') ? '' : ` (ours ${(ours.throughput / r.throughput).toFixed(1)}x)`
    const cpu = r.cpuUs
    const recovery = r.recoveryMs === null ? '–' : (r.recoveryMs / 1000).toFixed(1)
    lines.push(`| ${system} | ${Math.round(r.throughput)}${ratio} | ${Math.round(cpu.total)} | ${Math.round(cpu.submitter)} | ${Math.round(cpu.nodes)} | ${Math.round(cpu.redis)} | ${r.commandsPerTask.toFixed(1)} | ${r.scriptsPerTask.toFixed(2)} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${recovery} |`)
  }
  if (ours !== undefined && best !== null) lines.push('', `Ours at its best here (${oursAtBest[0]}) against BullMQ's best (${best[0]}): ${(ours.throughput / best[1].throughput).toFixed(1)}x the throughput, ${(best[1].cpuUs.total / ours.cpuUs.total).toFixed(1)}x less CPU per task. The "ours" ratios are against our best row.`)
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
