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
const { pools: allPools, GROUPS } = require('./adapters')
const { renderTable, checkTargets } = require('./report')
const { renderChart } = require('./chart')

const WORKLOADS = ['burst', 'sequential', 'cpu', 'memory', 'startup']
const RAW = 'raw worker_threads'

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

function measure(pool, workload, workers) {
  const child = spawnSync(process.execPath, [path.join(__dirname, 'child.js'), pool, workload, String(workers)], {
    encoding: 'utf8',
    timeout: 10 * 60 * 1000,
  })
  if (child.status !== 0) {
    throw new Error(`${pool} / ${workload} failed (${child.status ?? child.signal}):\n${child.stderr}`)
  }
  return JSON.parse(child.stdout)
}


function median(sorted) {
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

/** Median, min and max of each metric over the runs that finished (a failed run has `error`). */
function summarize(runs) {
  const summary = {}
  const finished = runs.filter((run) => run.error === undefined)
  for (const metric of Object.keys(finished[0])) {
    const inOrder = runs.map((run) => (run.error === undefined ? run[metric] : null))
    const values = finished.map((run) => run[metric]).sort((a, b) => a - b)
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

function main() {
  const options = parseArgs(process.argv.slice(2))
  const plan = []
  for (let round = 1; round <= options.rounds; round++) {
    for (const workload of options.only) {
      const pools = workload === 'cpu' ? [...options.pools, RAW] : options.pools
      for (const pool of pools) plan.push({ round, workload, pool })
    }
  }
  const samples = {}
  const started = Date.now()
  plan.forEach(({ round, workload, pool }, i) => {
    const elapsed = ((Date.now() - started) / 1000).toFixed(0)
    process.stderr.write(`\r\x1b[K[${i + 1}/${plan.length}] round ${round}/${options.rounds}: ${workload} on ${pool} (${elapsed} s)`)
    ;((samples[workload] ??= {})[pool] ??= []).push(measure(pool, workload, options.workers))
  })
  process.stderr.write(`\r\x1b[Kdone in ${((Date.now() - started) / 1000).toFixed(0)} s\n`)

  const results = {}
  const failures = {}
  for (const [workload, byPool] of Object.entries(samples)) {
    results[workload] = {}
    for (const [pool, runs] of Object.entries(byPool)) {
      const failed = runs.filter((run) => run.error !== undefined).map((run) => run.error)
      if (failed.length < runs.length) results[workload][pool] = summarize(runs)
      if (failed.length > 0) (failures[workload] ??= {})[pool] = failed
    }
  }
  const report = {
    date: new Date().toISOString(),
    machine: machine(),
    workers: options.workers,
    rounds: options.rounds,
    results,
    failures,
  }
  report.targets = checkTargets(report)
  const markdown = renderTable(report)
  fs.writeFileSync(path.join(options.out, 'results.json'), `${JSON.stringify(report, null, 2)}\n`)
  fs.writeFileSync(path.join(options.out, 'results.md'), markdown)
  fs.writeFileSync(path.join(options.out, 'chart.svg'), renderChart(report))
  console.log(markdown)
}

main()
