'use strict'

/** The Markdown report of a benchmark run, and the check of its targets. */

const { GROUPS } = require('./adapters')

const US = GROUPS[0].pools[0]
const RAW = 'raw worker_threads'

/** Each column: where its numbers come from, how to print them, and whether higher is better. */
const COLUMNS = [
  { workload: 'burst', metric: 'tasksPerSec', title: 'burst (tasks/s)', format: thousands, higherIsBetter: true },
  { workload: 'sequential', metric: 'tasksPerSec', title: 'sequential (tasks/s)', format: thousands, higherIsBetter: true },
  { workload: 'sequential', metric: 'p50Ms', title: 'seq. p50 (µs)', format: micros, higherIsBetter: false },
  { workload: 'sequential', metric: 'p99Ms', title: 'seq. p99 (µs)', format: micros, higherIsBetter: false },
  { workload: 'cpu', metric: 'tasksPerSec', title: 'CPU fib(27) (tasks/s)', format: (v) => v.toFixed(0), higherIsBetter: true },
  { workload: 'memory', metric: 'peakRssMb', title: 'peak RSS, 100k queued (MB)', format: (v) => v.toFixed(0), higherIsBetter: false },
  { workload: 'startup', metric: 'startupMs', title: 'start-up (ms)', format: (v) => v.toFixed(1), higherIsBetter: false },
  { workload: 'startup', metric: 'disposeMs', title: 'dispose (ms)', format: (v) => v.toFixed(1), higherIsBetter: false },
]

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
  if (summary === undefined) return '–'
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
  const measured = new Set(Object.keys(Object.assign({}, ...Object.values(report.results))))
  const lines = []
  const m = report.machine
  lines.push(`Run ${report.date.slice(0, 16).replace('T', ' ')} UTC on ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.os}, Node ${m.node}; ` +
    `${report.workers} workers per pool, ${report.rounds} rounds, each pool in a fresh process, pools alternating. ` +
    'Median in bold, min–max in small type.')
  for (const group of GROUPS) {
    const pools = group.pools.filter((pool) => measured.has(pool))
    if (pools.length === 0) continue
    const us = group.pools[0]
    lines.push('')
    lines.push(`### ${group.title}`)
    lines.push('')
    lines.push(`| pool | ${columns.map((c) => c.title).join(' | ')} |`)
    lines.push(`|---|${columns.map(() => '---:').join('|')}|`)
    for (const pool of pools) {
      lines.push(`| ${pool} | ${columns.map((column) => cell(report, column, pool)).join(' | ')} |`)
    }
    if (group === GROUPS[0] && report.results.cpu?.[RAW]) {
      lines.push(`| *${RAW} (ideal)* | ${columns.map((column) => (column.workload === 'cpu' ? cell(report, column, RAW) : '')).join(' | ')} |`)
    }
    lines.push('')
    lines.push(`How many times better ${us} is than each peer (median against median; above 1 means better):`)
    lines.push('')
    lines.push(`| peer | ${columns.map((c) => c.title).join(' | ')} |`)
    lines.push(`|---|${columns.map(() => '---:').join('|')}|`)
    for (const pool of pools.filter((p) => p !== us)) {
      lines.push(`| ${pool} | ${columns.map((column) => {
        const ratio = advantage(report, column, us, pool)
        return ratio === undefined ? '–' : `${ratio.toFixed(2)}×`
      }).join(' | ')} |`)
    }
  }
  for (const [workload, byPool] of Object.entries(report.failures ?? {})) {
    for (const [pool, failures] of Object.entries(byPool)) {
      lines.push('')
      lines.push(`**${pool}, ${workload}: ${failures.length} of ${report.rounds} runs never finished** (${failures[0]}); its figures are from the other runs.`)
    }
  }
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
  add('burst ≥ 5× piscina', ratio('burst', 'tasksPerSec', 'piscina'), (v) => v >= 5, times)
  add('sequential ≥ 3× piscina', ratio('sequential', 'tasksPerSec', 'piscina'), (v) => v >= 3, times)
  add('CPU ≥ 0.97× raw worker_threads', ratio('cpu', 'tasksPerSec', RAW), (v) => v >= 0.97, times)
  add('peak RSS with 100k queued ≤ ⅓ of piscina', ratio('memory', 'peakRssMb', 'piscina'), (v) => v <= 1 / 3, times)
  add('start-up no slower than piscina', ratio('startup', 'startupMs', 'piscina'), (v) => v <= 1, times)
  add('dispose no slower than piscina', ratio('startup', 'disposeMs', 'piscina'), (v) => v <= 1, times)
  const [usProcess, ...processPeers] = GROUPS[1].pools
  // The targets are against other pools, not against an earlier build of this one.
  for (const peer of processPeers.filter((pool) => !pool.endsWith(' baseline'))) {
    add(`process burst ≥ 3× ${peer}`, ratio('burst', 'tasksPerSec', peer, usProcess), (v) => v >= 3, times)
  }
  return targets
}

module.exports = { renderTable, checkTargets, COLUMNS, US, RAW }
