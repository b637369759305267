'use strict'

/**
 * `npm run bench`: parallel-processor side by side with piscina, tinypool,
 * workerpool and poolifier (thread workers), and with tinypool's and
 * workerpool's process workers (process workers). Every measurement runs in a fresh Node process;
 * pools alternate (A B C D E A B C D E ...) for several rounds, so that noise
 * on a shared machine spreads over all of them. Writes results.json,
 * results.md and chart.svg next to this file.
 *
 *   node benchmark/run.js [--workers 2] [--rounds 5] [--only burst,cpu] [--pools a,b] [--baseline dir]
 *
 * Workloads: burst, burst20k, sequential, cpu, memory, startup, bigdata, babel, cluster,
 * replicas (all by default). cluster (benchmark/cluster.js: the cluster mode
 * against BullMQ on one Redis) runs once, after the others, with rounds of
 * its own; replicas (benchmark/replicas.js: an orchestrator shared by three
 * replicas against BullMQ's job schedulers, a minute each) after it. bigdata and babel take seconds per pool: they run in at most
 * MAX_ROUNDS of the rounds, and only on the pools that have their handlers
 * (adapters.js TASK_MODULES). bigdata runs one fresh process per pool and
 * buffer size.
 *
 * Two more rows of ours run burst and sequential only: without
 * OpenTelemetry installed, and traced with its SDK (see adapters.js).
 *
 * `--baseline dir`: also measures the pool as built in another checkout
 * (its `npm install` done), as one more peer of each group.
 */
const { spawnSync } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')

// Read before the adapters load: they add the baseline's pools (and so do
// the measuring children, which inherit the environment).
const baselineFlag = process.argv.indexOf('--baseline')
if (baselineFlag !== -1) process.env.BENCH_BASELINE = path.resolve(process.argv[baselineFlag + 1])
const { pools: allPools, GROUPS, TELEMETRY_POOLS } = require('./adapters')
const { renderTable, checkTargets } = require('./report')
const { renderChart } = require('./chart')
const { renderCluster } = require('./cluster')
const { renderReplicas } = require('./replicas')
const { SIZES, bigdataCells, DATA_POOLS, ONE_THREAD, babelInput } = require('./workloads')

const WORKLOADS = ['burst', 'burst20k', 'sequential', 'cpu', 'memory', 'startup', 'bigdata', 'babel', 'cluster', 'replicas']
/** Not part of the pool-by-pool plan: measured by a script of its own. */
const SEPARATE = new Set(['cluster', 'replicas'])
const RAW = 'raw worker_threads'
/** The long workloads run in the first rounds only. */
const MAX_ROUNDS = { bigdata: 3, babel: 3 }
/**
 * Workloads whose failures are recorded rather than fatal: a pool that
 * crashes or hangs on them is reported as failed and the run goes on.
 */
const RECORDED_FAILURES = new Set(['bigdata', 'babel'])

function parseArgs(argv) {
  const options = { workers: 2, rounds: 5, only: WORKLOADS, pools: [...allPools], out: __dirname }
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]]
    if (flag === '--workers') options.workers = Number(value)
    else if (flag === '--rounds') options.rounds = Number(value)
    else if (flag === '--only') options.only = value.split(',')
    else if (flag === '--pools') options.pools = value.split(',')
    else if (flag === '--out') options.out = path.resolve(value)
    else if (flag === '--baseline') continue // read above
    else throw new Error(`unknown option ${flag}`)
  }
  // Each group's figures are relative to ours: ours runs whenever a peer of its group does.
  for (const { pools } of GROUPS) {
    if (!options.pools.includes(pools[0]) && options.pools.some((pool) => pools.includes(pool))) options.pools.unshift(pools[0])
  }
  return options
}

function measure(pool, workload, workers, part) {
  const args = [path.join(__dirname, 'child.js'), pool, workload, String(workers), ...(part === undefined ? [] : [part])]
  const child = spawnSync(process.execPath, args, {
    encoding: 'utf8',
    timeout: 10 * 60 * 1000,
    maxBuffer: 64 * 2 ** 20,
  })
  let result
  if (child.status !== 0) {
    if (!RECORDED_FAILURES.has(workload)) {
      throw new Error(`${pool} / ${workload} failed (${child.status ?? child.signal}):\n${child.stderr}`)
    }
    const lines = child.stderr.trim().split('\n')
    const line = lines.filter((text) => /error/i.test(text)).pop() ?? lines.pop()
    result = { error: `the measuring process ended with ${child.status ?? child.signal}${line ? `: ${line}` : ''}` }
  } else {
    result = JSON.parse(child.stdout)
  }
  // A big data part that failed as a whole: each of its measures failed (the other parts stand).
  if (workload === 'bigdata' && result.error !== undefined) {
    const cells = bigdataCells(pool).filter((cell) => cell.size === part)
    return { failed: Object.fromEntries(cells.map((cell) => [cell.key, result.error])) }
  }
  return result
}

/** The workloads whose cost is per task: where tracing's cost would show. */
const TELEMETRY_WORKLOADS = new Set(['burst', 'sequential'])

/** Which pools run `workload`. */
function poolsOf(workload, options) {
  if (!TELEMETRY_WORKLOADS.has(workload)) options = { ...options, pools: options.pools.filter((pool) => !TELEMETRY_POOLS.includes(pool)) }
  if (workload === 'cpu') return [...options.pools, RAW]
  if (workload === 'bigdata') return options.pools.filter((pool) => DATA_POOLS.includes(pool))
  if (workload === 'babel') return [...options.pools.filter((pool) => DATA_POOLS.includes(pool)), ONE_THREAD]
  return options.pools
}

/** In how many of the rounds `workload` runs. */
function roundsOf(workload, options) {
  return Math.min(options.rounds, MAX_ROUNDS[workload] ?? Infinity)
}

/** The parts of a workload, each measured in its own process: big data, one per size. */
function partsOf(workload) {
  return workload === 'bigdata' ? Object.keys(SIZES) : [undefined]
}

/** One round's measurements of a pool, its parts merged (a part's failed measures under `failed`). */
function merge(run, part) {
  if (run === undefined) return part
  // Only big data has parts, and its parts report failures under `failed`, never as `error`.
  return { ...run, ...part, failed: { ...run.failed, ...part.failed } }
}


function median(sorted) {
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

/**
 * Median, min and max of each metric over the runs that measured it (a failed
 * run has `error`; a measure that failed in a run is missing from it, named
 * in its `failed`).
 */
function summarize(runs) {
  const summary = {}
  const finished = runs.filter((run) => run.error === undefined)
  const metrics = new Set(finished.flatMap((run) => Object.keys(run).filter((key) => typeof run[key] === 'number')))
  for (const metric of metrics) {
    const inOrder = runs.map((run) => (run.error === undefined && typeof run[metric] === 'number' ? run[metric] : null))
    const values = inOrder.filter((value) => value !== null).sort((a, b) => a - b)
    // `byRound` keeps the run order (null: failed), for comparisons round by round.
    summary[metric] = { median: median(values), min: values[0], max: values[values.length - 1], byRound: inOrder }
  }
  return summary
}

function machine() {
  const cpus = os.cpus()
  return {
    cpu: cpus[0]?.model ?? 'unknown',
    cores: os.availableParallelism(),
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()}`,
    node: process.version,
  }
}

/** The cluster group (benchmark/cluster.js), in a process of its own. */
function measureCluster(rounds) {
  process.stderr.write('\r\x1b[Kcluster group (3 nodes x 2 workers against BullMQ)...')
  const child = spawnSync(process.execPath, [path.join(__dirname, 'cluster.js'), '--rounds', String(rounds), '--json'], {
    encoding: 'utf8',
    timeout: 20 * 60 * 1000,
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  if (child.status !== 0) throw new Error(`the cluster group failed (${child.status ?? child.signal})`)
  return JSON.parse(child.stdout)
}

/** The replicas group (benchmark/replicas.js), in a process of its own. */
function measureReplicas() {
  process.stderr.write('\r\x1b[Kreplicas group (1,000 jobs on 3 replicas against BullMQ job schedulers, a minute each)...')
  const child = spawnSync(process.execPath, [path.join(__dirname, 'replicas.js'), '--json'], {
    encoding: 'utf8',
    timeout: 10 * 60 * 1000,
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  if (child.status !== 0) throw new Error(`the replicas group failed (${child.status ?? child.signal})`)
  return JSON.parse(child.stdout)
}

function main() {
  const options = parseArgs(process.argv.slice(2))
  const unknown = options.only.filter((workload) => !WORKLOADS.includes(workload))
  if (unknown.length > 0) throw new Error(`unknown workload ${unknown.join(', ')} (known: ${WORKLOADS.join(', ')})`)
  const plan = []
  for (let round = 1; round <= options.rounds; round++) {
    for (const workload of options.only) {
      if (SEPARATE.has(workload) || round > roundsOf(workload, options)) continue
      for (const part of partsOf(workload)) {
        for (const pool of poolsOf(workload, options)) plan.push({ round, workload, pool, part })
      }
    }
  }
  const samples = {}
  const timeSpent = {}
  const started = Date.now()
  plan.forEach(({ round, workload, pool, part }, i) => {
    const elapsed = ((Date.now() - started) / 1000).toFixed(0)
    const what = part === undefined ? workload : `${workload} ${part}`
    process.stderr.write(`\r\x1b[K[${i + 1}/${plan.length}] round ${round}/${options.rounds}: ${what} on ${pool} (${elapsed} s)`)
    const start = Date.now()
    const runs = ((samples[workload] ??= {})[pool] ??= [])
    runs[round - 1] = merge(runs[round - 1], measure(pool, workload, options.workers, part))
    timeSpent[workload] = (timeSpent[workload] ?? 0) + (Date.now() - start) / 1000
  })
  process.stderr.write(`\r\x1b[Kdone in ${((Date.now() - started) / 1000).toFixed(0)} s ` +
    `(${Object.entries(timeSpent).map(([workload, s]) => `${workload} ${s.toFixed(0)} s`).join(', ')})\n`)

  const results = {}
  const failures = {}
  const failedMeasures = {}
  for (const [workload, byPool] of Object.entries(samples)) {
    results[workload] = {}
    for (const [pool, runs] of Object.entries(byPool)) {
      const failed = runs.filter((run) => run.error !== undefined).map((run) => run.error)
      if (failed.length < runs.length) results[workload][pool] = summarize(runs)
      if (failed.length > 0) (failures[workload] ??= {})[pool] = failed
      for (const run of runs) {
        for (const [metric, error] of Object.entries(run.failed ?? {})) {
          ((((failedMeasures[workload] ??= {})[pool] ??= {})[metric]) ??= []).push(error)
        }
      }
    }
  }
  const report = {
    date: new Date().toISOString(),
    machine: machine(),
    workers: options.workers,
    rounds: options.rounds,
    roundsOf: Object.fromEntries(options.only.map((workload) => [workload, roundsOf(workload, options)])),
    results,
    failures,
    failedMeasures,
  }
  if (options.only.includes('babel')) {
    const files = babelInput(options.workers).measured
    report.babelInput = { files: files.length, bytes: files.reduce((sum, file) => sum + fs.statSync(file).size, 0) }
  }
  if (options.only.includes('cluster')) report.cluster = measureCluster(Math.min(options.rounds, 3))
  if (options.only.includes('replicas')) report.replicas = measureReplicas()
  report.targets = checkTargets(report)
  const markdown = renderTable(report) + (report.cluster ? `\n${renderCluster(report.cluster)}` : '') + (report.replicas ? `\n${renderReplicas(report.replicas)}` : '')
  fs.writeFileSync(path.join(options.out, 'results.json'), `${JSON.stringify(report, null, 2)}\n`)
  fs.writeFileSync(path.join(options.out, 'results.md'), markdown)
  fs.writeFileSync(path.join(options.out, 'chart.svg'), renderChart(report))
  console.log(markdown)
}

main()
