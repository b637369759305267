'use strict'

/** The Markdown report of a benchmark run, and the check of its targets. */

const { GROUPS } = require('./adapters')
const { SIZES, TASKS, MODES, TRIPS_BUDGET_MS, MIN_TRIPS, ONE_THREAD, BABEL_WARM_UP } = require('./workloads')

const US = GROUPS[0].pools[0]
const RAW = 'raw worker_threads'

/** Each column: where its numbers come from, how to print them, and whether higher is better. */
const COLUMNS = [
  { workload: 'burst', metric: 'tasksPerSec', title: 'burst (tasks/s)', format: thousands, higherIsBetter: true },
  { workload: 'burst20k', metric: 'tasksPerSec', title: 'burst of 20k (tasks/s)', format: thousands, higherIsBetter: true },
  { workload: 'sequential', metric: 'tasksPerSec', title: 'sequential (tasks/s)', format: thousands, higherIsBetter: true },
  { workload: 'sequential', metric: 'p50Ms', title: 'seq. p50 (µs)', format: micros, higherIsBetter: false },
  { workload: 'sequential', metric: 'p99Ms', title: 'seq. p99 (µs)', format: micros, higherIsBetter: false },
  { workload: 'cpu', metric: 'tasksPerSec', title: 'CPU fib(27) (tasks/s)', format: (v) => v.toFixed(0), higherIsBetter: true },
  { workload: 'memory', metric: 'peakRssMb', title: 'peak RSS, 100k queued (MB)', format: (v) => v.toFixed(0), higherIsBetter: false },
  { workload: 'startup', metric: 'startupMs', title: 'start-up (ms)', format: (v) => v.toFixed(1), higherIsBetter: false },
  { workload: 'startup', metric: 'disposeMs', title: 'dispose (ms)', format: (v) => v.toFixed(1), higherIsBetter: false },
]

/** Big data: one column per size, task and mode (round-trip ms, lower is better). */
const BIGDATA_COLUMNS = Object.entries(SIZES).flatMap(([size, { label }]) => Object.keys(TASKS).flatMap((task) => MODES.map((mode) => ({
  workload: 'bigdata',
  metric: `${size} ${task} ${mode}`,
  mode,
  title: `${label} ${task}, ${mode} (ms)`,
  format: millis,
  higherIsBetter: false,
}))))

const BABEL_COLUMN = { workload: 'babel', metric: 'filesPerSec', title: 'Babel + istanbul (files/s)', format: (v) => v.toFixed(0), higherIsBetter: true }

function millis(ms) {
  return ms < 1 ? ms.toFixed(3) : ms < 10 ? ms.toFixed(2) : ms < 100 ? ms.toFixed(1) : ms.toFixed(0)
}

function thousands(value) {
  return value >= 10000 ? `${(value / 1000).toFixed(1)}k` : value.toFixed(0)
}

function micros(ms) {
  return (ms * 1000).toFixed(0)
}

function median(report, workload, pool, metric) {
  return report.results[workload]?.[pool]?.[metric]?.median
}

function cell(report, column, pool) {
  const summary = report.results[column.workload]?.[pool]?.[column.metric]
  if (summary === undefined) return report.failedMeasures?.[column.workload]?.[pool]?.[column.metric] ? 'failed' : '–'
  const range = `${column.format(summary.min)}–${column.format(summary.max)}`
  return `**${column.format(summary.median)}** <sub>${range}</sub>`
}

/** How many times better `us` is than `pool` on `column` (>1: we are better). */
function advantage(report, column, us, pool) {
  const ours = median(report, column.workload, us, column.metric)
  const theirs = median(report, column.workload, pool, column.metric)
  if (ours === undefined || theirs === undefined) return undefined
  return column.higherIsBetter ? ours / theirs : theirs / ours
}

function renderTable(report) {
  const columns = COLUMNS.filter((column) => report.results[column.workload])
  const lines = []
  const m = report.machine
  lines.push(`Run ${report.date.slice(0, 16).replace('T', ' ')} UTC on ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.os}, Node ${m.node}; ` +
    `${report.workers} workers per pool, ${report.rounds} rounds, each pool in a fresh process, pools alternating. ` +
    'Median in bold, min–max in small type.')
  for (const group of GROUPS) {
    if (columns.length === 0) break
    const pools = group.pools.filter((pool) => columns.some((column) => report.results[column.workload][pool]))
    if (pools.length === 0) continue
    const us = group.pools[0]
    lines.push('')
    lines.push(`### ${group.title}`)
    lines.push('')
    lines.push(...poolTable(report, columns, pools))
    if (group === GROUPS[0] && report.results.cpu?.[RAW]) {
      lines.push(`| *${RAW} (ideal)* | ${columns.map((column) => (column.workload === 'cpu' ? cell(report, column, RAW) : '')).join(' | ')} |`)
    }
    lines.push(...ratioTable(report, columns, us, pools))
  }
  lines.push(...renderBigData(report))
  lines.push(...renderBabel(report))
  for (const [workload, byPool] of Object.entries(report.failures ?? {})) {
    for (const [pool, failures] of Object.entries(byPool)) {
      const rounds = report.roundsOf?.[workload] ?? report.rounds
      lines.push('')
      lines.push(`**${pool}, ${workload}: ${failures.length} of ${rounds} runs never finished** (${failures[0]}); its figures are from the other runs.`)
    }
  }
  lines.push(...renderFailedMeasures(report))
  if (report.targets.length > 0) {
    lines.push('')
    lines.push('Targets (each the median of the ratios measured round by round):')
    lines.push('')
    lines.push('| target | measured | met |')
    lines.push('|---|---:|:---:|')
    for (const target of report.targets) {
      lines.push(`| ${target.name} | ${target.measured} | ${target.met ? 'yes' : '**no**'} |`)
    }
  }
  lines.push('')
  return lines.join('\n')
}

/** The table of `pools` (rows) by `columns`: median in bold, min–max in small type. */
function poolTable(report, columns, pools, label = (pool) => pool) {
  return [
    `| pool | ${columns.map((c) => c.title).join(' | ')} |`,
    `|---|${columns.map(() => '---:').join('|')}|`,
    ...pools.map((pool) => `| ${label(pool)} | ${columns.map((column) => cell(report, column, pool)).join(' | ')} |`),
  ]
}

/** How many times better `us` is than each other of `pools`, on each of `columns`. */
function ratioTable(report, columns, us, pools, label = (pool) => pool) {
  return [
    '',
    `How many times better ${us} is than each peer (median against median; above 1 means better):`,
    '',
    `| peer | ${columns.map((c) => c.title).join(' | ')} |`,
    `|---|${columns.map(() => '---:').join('|')}|`,
    ...pools.filter((p) => p !== us).map((pool) => `| ${label(pool)} | ${columns.map((column) => {
      const ratio = advantage(report, column, us, pool)
      return ratio === undefined ? '–' : `${ratio.toFixed(2)}×`
    }).join(' | ')} |`),
  ]
}

function roundsNote(report, workload) {
  const rounds = report.roundsOf?.[workload] ?? report.rounds
  return rounds === report.rounds ? '' : ` (${rounds} of the ${report.rounds} rounds)`
}

/** One table per group: rows the pools, columns each size, task and mode (process workers: copied only). */
function renderBigData(report) {
  const results = report.results.bigdata
  if (results === undefined) return []
  const lines = []
  const failed = report.failedMeasures?.bigdata ?? {}
  for (const group of GROUPS) {
    const pools = group.pools.filter((pool) => results[pool] || failed[pool])
    if (pools.length === 0) continue
    const columns = BIGDATA_COLUMNS.filter((column) => pools.some((pool) => results[pool]?.[column.metric] || failed[pool]?.[column.metric]))
    lines.push('')
    lines.push(`### Big data, ${group.title.toLowerCase()}${roundsNote(report, 'bigdata')}`)
    lines.push('')
    const trips = Object.values(SIZES).map(({ label, trips: n, warmUp }) => `${label}: ${n} after ${warmUp}`).join(', ')
    const modes = group === GROUPS[0]
      ? 'copied: `run(buf)`; transferred: `run(buf, { transferList: [buf.buffer] })`, and the handler returns the pool\'s `move(buf)`.'
      : 'copied only (`run(buf)`): memory cannot move to another process. tinypool\'s child_process runtime runs with `serialization: \'advanced\'` (its JSON default cannot carry a Buffer).'
    lines.push('Median round trip (ms, lower is better) of a fresh Buffer, one at a time, on a fresh pool after warm-up trips ' +
      `(${trips}; a measure stops early once its trips add up to ${TRIPS_BUDGET_MS / 1000} s, after at least ${MIN_TRIPS}). ` +
      `echo-length: the handler returns \`buf.length\`; echo-back: the buffer itself. ${modes}`)
    lines.push('')
    lines.push(...poolTable(report, columns, pools))
    lines.push(...ratioTable(report, columns, group.pools[0], pools))
  }
  return lines
}

/** One table: every pool's files/s, and how many times faster than it each of ours is. */
function renderBabel(report) {
  const results = report.results.babel
  if (results === undefined && report.failures?.babel === undefined) return []
  const measured = (pool) => results?.[pool] || report.failures?.babel?.[pool]
  const [threadGroup, processGroup] = GROUPS
  const pools = [...threadGroup.pools.filter(measured), ...(measured(ONE_THREAD) ? [ONE_THREAD] : []), ...processGroup.pools.filter(measured)]
  if (pools.length === 0) return []
  const ours = [threadGroup.pools[0], processGroup.pools[0]].filter((pool) => results?.[pool])
  const input = report.babelInput
  const lines = ['']
  lines.push(`### Babel + istanbul${roundsNote(report, 'babel')}`)
  lines.push('')
  lines.push(`What a test runner does for each file it loads: \`babel.transformSync\` with babel-plugin-istanbul, the file read by the handler. ` +
    `${input ? `${input.files} files (${(input.bytes / 2 ** 20).toFixed(1)} MB) of JavaScript from node_modules` : 'Files from node_modules'}, ` +
    `all submitted at once, after ${BABEL_WARM_UP} other files of warm-up per worker; ${report.workers} workers per pool; ` +
    `*${ONE_THREAD}*: the same calls on the main thread, no pool. Median in bold, min–max in small type.`)
  lines.push('')
  lines.push(`| pool | ${BABEL_COLUMN.title} | ${ours.map((us) => `${us} ÷ pool`).join(' | ')} |`)
  lines.push(`|---|---:|${ours.map(() => '---:').join('|')}|`)
  for (const pool of pools) {
    const ratios = ours.map((us) => {
      const ratio = advantage(report, BABEL_COLUMN, us, pool)
      return ratio === undefined || us === pool ? '' : `${ratio.toFixed(2)}×`
    })
    const label = pool === ONE_THREAD ? `*${pool}*` : pool
    lines.push(`| ${label} | ${cell(report, BABEL_COLUMN, pool)} | ${ratios.join(' | ')} |`)
  }
  return lines
}

/** Measures that failed in some runs (a run's other measures stand): one line per pool and reason. */
function renderFailedMeasures(report) {
  const lines = []
  for (const [workload, byPool] of Object.entries(report.failedMeasures ?? {})) {
    const rounds = report.roundsOf?.[workload] ?? report.rounds
    for (const [pool, byMetric] of Object.entries(byPool)) {
      const byReason = new Map()
      for (const [metric, errors] of Object.entries(byMetric)) {
        for (const error of new Set(errors)) {
          const entry = byReason.get(error) ?? []
          entry.push(`${metric} (${errors.filter((e) => e === error).length} of ${rounds} runs)`)
          byReason.set(error, entry)
        }
      }
      for (const [error, metrics] of byReason) {
        lines.push('')
        lines.push(`**${pool}, ${workload}: failed** in ${metrics.join(', ')}: ${error}`)
      }
    }
  }
  return lines
}

/**
 * The targets of the benchmark, against piscina and raw worker_threads. Each
 * is the median of the ratios measured round by round (pools alternate, so a
 * round's runs are seconds apart): on a shared machine whose speed drifts by
 * tens of percent over minutes, pairing compares like with like.
 */
function checkTargets(report) {
  const targets = []
  const ratio = (workload, metric, pool, us = US) => {
    const ours = report.results[workload]?.[us]?.[metric]?.byRound
    const theirs = report.results[workload]?.[pool]?.[metric]?.byRound
    if (ours === undefined || theirs === undefined) return undefined
    const ratios = ours
      .map((value, round) => (value === null || theirs[round] === null ? null : value / theirs[round]))
      .filter((value) => value !== null)
      .sort((a, b) => a - b)
    const mid = ratios.length >> 1
    return ratios.length % 2 ? ratios[mid] : (ratios[mid - 1] + ratios[mid]) / 2
  }
  const add = (name, value, met, format) => {
    if (value !== undefined) targets.push({ name, measured: format(value), met: met(value) })
  }
  const times = (v) => `${v.toFixed(2)}×`
  add('burst ≥ 8× piscina', ratio('burst', 'tasksPerSec', 'piscina'), (v) => v >= 8, times)
  add('sequential p99 at or under piscina\'s', ratio('sequential', 'p99Ms', 'piscina'), (v) => v <= 1, times)
  add('sequential ≥ 3× piscina', ratio('sequential', 'tasksPerSec', 'piscina'), (v) => v >= 3, times)
  add('CPU ≥ 0.97× raw worker_threads', ratio('cpu', 'tasksPerSec', RAW), (v) => v >= 0.97, times)
  add('peak RSS with 100k queued ≤ ⅓ of piscina', ratio('memory', 'peakRssMb', 'piscina'), (v) => v <= 1 / 3, times)
  add('start-up no slower than piscina', ratio('startup', 'startupMs', 'piscina'), (v) => v <= 1, times)
  add('dispose no slower than piscina', ratio('startup', 'disposeMs', 'piscina'), (v) => v <= 1, times)
  const [usProcess, ...processPeers] = GROUPS[1].pools
  // The targets are against other pools, not against an earlier build of this one.
  for (const peer of processPeers.filter((pool) => !pool.endsWith(' baseline'))) {
    add(`process burst ≥ 5× ${peer}`, ratio('burst', 'tasksPerSec', peer, usProcess), (v) => v >= 5, times)
    add(`process burst of 20k ≥ 5× ${peer}`, ratio('burst20k', 'tasksPerSec', peer, usProcess), (v) => v >= 5, times)
  }
  const cluster = report.cluster?.results
  if (cluster) {
    const fastest = (prefix) => Object.entries(cluster).filter(([system]) => system.startsWith(prefix)).map(([, r]) => r).reduce((a, b) => (b.throughput > a.throughput ? b : a))
    const [ours, bullmq] = [fastest('parallel-processor'), fastest('bullmq')]
    add('cluster throughput ≥ 5× BullMQ at its best', ours.throughput / bullmq.throughput, (v) => v >= 5, times)
    add('cluster CPU per task ≤ 60 µs (all processes)', ours.cpuUs.total, (v) => v <= 60, (v) => `${v.toFixed(0)} µs`)
    add('cluster p99 round trip below BullMQ\'s best', ours.p99 / bullmq.p99, (v) => v < 1, times)
  }
  const replicas = report.replicas?.find((result) => result.system === 'parallel-processor')
  if (replicas) {
    add('replicas: tick to handler p99 ≤ 50 ms', replicas.delayP99Ms, (v) => v <= 50, (v) => `${v} ms`)
    add('replicas: no tick run twice or never run', replicas.duplicates + replicas.missed, (v) => v === 0, (v) => `${v}`)
  }
  return targets
}

module.exports = { renderTable, checkTargets, COLUMNS, BIGDATA_COLUMNS, BABEL_COLUMN, US, RAW }
