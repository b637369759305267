'use strict'

/**
 * The benchmark chart: one panel per measure, one bar per pool (the median),
 * a thin line for the min–max range. Plain SVG, no dependency.
 */
const { COLUMNS, US, RAW } = require('./report')

const PANEL_WIDTH = 300
const BAR_HEIGHT = 16
const BAR_GAP = 6
const LABEL_WIDTH = 130
const PANELS_PER_ROW = 3
const COLORS = {
  [US]: '#d9480f',
  piscina: '#1971c2',
  tinypool: '#2f9e44',
  workerpool: '#7048e8',
  poolifier: '#868e96',
  [RAW]: '#343a40',
  'parallel-processor (process)': '#f08c00',
  'tinypool (child_process)': '#8ce99a',
  'workerpool (process)': '#b197fc',
}

function escape(text) {
  return String(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}

function renderChart(report) {
  const columns = COLUMNS.filter((column) => report.results[column.workload] && !column.metric.startsWith('p50') && !column.metric.startsWith('p99'))
  const pools = [...new Set(columns.flatMap((column) => Object.keys(report.results[column.workload])))]
  const panelHeight = 40 + pools.length * (BAR_HEIGHT + BAR_GAP)
  const rows = Math.ceil(columns.length / PANELS_PER_ROW)
  const width = PANELS_PER_ROW * (LABEL_WIDTH + PANEL_WIDTH + 30)
  const height = 50 + rows * (panelHeight + 20)
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="10" y="22" font-size="15" font-weight="bold">parallel-processor vs. JavaScript pools, ${report.workers} workers (${escape(report.machine.cores)} cores, Node ${escape(report.machine.node)}, ${escape(report.date.slice(0, 10))})</text>`,
  ]
  columns.forEach((column, index) => {
    const x0 = (index % PANELS_PER_ROW) * (LABEL_WIDTH + PANEL_WIDTH + 30) + 10
    const y0 = 50 + Math.floor(index / PANELS_PER_ROW) * (panelHeight + 20)
    const entries = pools
      .map((pool) => [pool, report.results[column.workload][pool]?.[column.metric]])
      .filter(([, summary]) => summary !== undefined)
    const scale = PANEL_WIDTH / Math.max(...entries.map(([, s]) => s.max)) * 0.8
    const better = column.higherIsBetter ? 'higher is better' : 'lower is better'
    parts.push(`<text x="${x0}" y="${y0 + 14}" font-weight="bold">${escape(column.title)} <tspan font-weight="normal" fill="#666">(${better})</tspan></text>`)
    entries.forEach(([pool, summary], row) => {
      const y = y0 + 26 + row * (BAR_HEIGHT + BAR_GAP)
      const barWidth = Math.max(1, summary.median * scale)
      parts.push(`<text x="${x0 + LABEL_WIDTH - 6}" y="${y + 12}" text-anchor="end">${escape(pool)}</text>`)
      parts.push(`<rect x="${x0 + LABEL_WIDTH}" y="${y}" width="${barWidth.toFixed(1)}" height="${BAR_HEIGHT}" fill="${COLORS[pool] ?? '#999'}"/>`)
      const lineY = y + BAR_HEIGHT / 2
      parts.push(`<line x1="${(x0 + LABEL_WIDTH + summary.min * scale).toFixed(1)}" x2="${(x0 + LABEL_WIDTH + summary.max * scale).toFixed(1)}" y1="${lineY}" y2="${lineY}" stroke="black" stroke-width="1"/>`)
      parts.push(`<text x="${(x0 + LABEL_WIDTH + Math.max(barWidth, summary.max * scale) + 4).toFixed(1)}" y="${y + 12}">${escape(column.format(summary.median))}</text>`)
    })
  })
  parts.push('</svg>')
  return `${parts.join('\n')}\n`
}

module.exports = { renderChart }
