'use strict'

/**
 * The replicas group of `npm run bench`: an orchestrator shared by three
 * replicas (parallel-processor's `Orchestrator` with `cluster`) against
 * BullMQ's job schedulers, three workers, on the same Redis. Each system
 * gets JOBS jobs of `every: EVERY_MS`, registered by every replica at boot,
 * and runs for DURATION_MS:
 *
 * - delay: from a tick's instant to its handler starting, p50 / p99 / max;
 * - ticks: those due in the window (from the first tick seen + a period,
 *   to the end - a period), served, run twice (duplicates) and never run
 *   (misses), counted by (job, tick) the same way for both;
 * - cost: Redis commands per tick (`INFO commandstats`, scripts' own calls
 *   included), Redis CPU (`INFO cpu`), and each replica's CPU time.
 *
 *   node benchmark/replicas.js [--jobs 1000] [--every 1000] [--seconds 60] [--json] [--systems a,b]
 *
 * REDIS_URL, else a redis-server of its own. The systems run one after
 * the other, each on a flushed database.
 */
const path = require('node:path')
const { fork } = require('node:child_process')
const { startRedis, command } = require('../__test__/cluster/redis')

const REPLICAS = 3
const SCRIPT = path.join(__dirname, 'workers', 'replica.js')

function argument(name, fallback) {
  const at = process.argv.indexOf(`--${name}`)
  return at === -1 ? fallback : process.argv[at + 1]
}

function startReplica(system, url, name, jobs, every) {
  const child = fork(SCRIPT, [system, url, name, String(jobs), String(every)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  return new Promise((resolve, reject) => {
    child.once('message', () => resolve(child))
    child.once('exit', (code, signal) => reject(new Error(`${system} replica exited (${code ?? signal}) before it was ready`)))
  })
}

function report(child) {
  return new Promise((resolve) => {
    child.once('message', resolve)
    child.send('report')
  })
}

/** `INFO <section>` as { field: value }. */
async function info(url, section) {
  const text = await command(url, 'INFO', section)
  return Object.fromEntries(text.split('\r\n').filter((line) => line.includes(':')).map((line) => line.split(/:(.*)/s).slice(0, 2)))
}

/** Calls of every command (scripts' own calls count as theirs). */
async function commandCalls(url) {
  const stats = await info(url, 'commandstats')
  return Object.values(stats).reduce((sum, value) => sum + Number(/calls=(\d+)/.exec(value)?.[1] ?? 0), 0)
}

async function redisCpuMs(url) {
  const cpu = await info(url, 'cpu')
  return (Number(cpu.used_cpu_sys) + Number(cpu.used_cpu_user)) * 1000
}

function percentile(sorted, p) {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]
}

async function measure(system, url, { jobs, every, seconds }) {
  await command(url, 'FLUSHALL')
  const name = `bench-replicas-${system}-${process.pid}`
  const replicas = []
  for (let i = 0; i < REPLICAS; i++) replicas.push(await startReplica(system, url, name, jobs, every))
  await command(url, 'CONFIG', 'RESETSTAT')
  const cpuBefore = await redisCpuMs(url)
  const begun = Date.now()
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000))
  const ended = Date.now()
  const calls = await commandCalls(url)
  const redisCpu = (await redisCpuMs(url)) - cpuBefore
  const reports = await Promise.all(replicas.map(report))
  const runs = reports.flatMap((each) => each.runs)

  // The window: ticks every replica was surely up for, by the same rule for both.
  const from = begun + every
  const to = ended - every
  const inWindow = runs.filter(([, tick]) => tick >= from && tick <= to)
  const served = new Map()
  for (const [job, tick] of inWindow) served.set(`${job}@${tick}`, (served.get(`${job}@${tick}`) ?? 0) + 1)
  const duplicates = [...served.values()].filter((count) => count > 1).reduce((sum, count) => sum + count - 1, 0)
  // Expected ticks: each job's grid (from the ticks it served), within the window.
  const grids = new Map()
  for (const [job, tick] of runs) if (!grids.has(job)) grids.set(job, tick)
  let expected = 0
  let missed = 0
  for (const [job, anchor] of grids) {
    const first = anchor + Math.ceil((from - anchor) / every) * every
    for (let tick = first; tick <= to; tick += every) {
      expected++
      if (!served.has(`${job}@${tick}`)) missed++
    }
  }
  const delays = inWindow.map(([, tick, started]) => started - tick).sort((a, b) => a - b)
  return {
    system,
    jobs,
    everyMs: every,
    seconds,
    ticks: expected,
    served: served.size,
    duplicates,
    missed,
    delayP50Ms: percentile(delays, 0.5),
    delayP99Ms: percentile(delays, 0.99),
    delayMaxMs: delays.at(-1),
    redisCommandsPerTick: calls / Math.max(1, runs.filter(([, tick]) => tick >= begun && tick <= ended).length),
    redisCpuMsPerSecond: redisCpu / ((ended - begun) / 1000),
    replicaCpuMsPerSecond: reports.map((each) => each.cpuMs / ((ended - begun) / 1000)),
  }
}

function renderReplicas(results) {
  const rows = results.map((r) => `| ${r.system} | ${r.served} / ${r.ticks} | ${r.duplicates} | ${r.missed} | ${r.delayP50Ms} / ${r.delayP99Ms} / ${r.delayMaxMs} | ${r.redisCommandsPerTick.toFixed(1)} | ${r.redisCpuMsPerSecond.toFixed(0)} | ${r.replicaCpuMsPerSecond.map((ms) => ms.toFixed(0)).join(', ')} |`)
  return [
    `### Replicas: ${results[0].jobs} jobs of every ${results[0].everyMs} ms, 3 replicas, ${results[0].seconds} s`,
    '',
    '| system | ticks served / due | run twice | never run | delay p50 / p99 / max (ms) | Redis commands per tick | Redis CPU (ms/s) | CPU per replica (ms/s) |',
    '|---|---|---|---|---|---|---|---|',
    ...rows,
    '',
  ].join('\n')
}

async function main() {
  const options = { jobs: Number(argument('jobs', 1000)), every: Number(argument('every', 1000)), seconds: Number(argument('seconds', 60)) }
  const systems = argument('systems', 'parallel-processor,bullmq').split(',')
  const redis = await startRedis()
  try {
    const results = []
    for (const system of systems) {
      process.stderr.write(`replicas: ${system}...\n`)
      results.push(await measure(system, redis.url, options))
    }
    if (process.argv.includes('--json')) process.stdout.write(JSON.stringify(results))
    else process.stdout.write(renderReplicas(results))
  } finally {
    await redis.stop()
  }
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error)
    process.exit(1)
  })
}

module.exports = { renderReplicas }
