'use strict'

/**
 * The benchmark chart: one panel per measure, one bar per pool (the median),
 * a thin line for the min–max range. Plain SVG, no dependency.
 */
const { COLUMNS, BIGDATA_COLUMNS, BABEL_COLUMN, US, RAW } = require('./report')
const { SIZES, ONE_THREAD } = require('./workloads')

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
  [ONE_THREAD]: '#adb5bd',
}

function escape(text) {
  return String(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}

/**
 * The rows of panels: the main measures (not the latency percentiles) three
 * to a row, then a row per big data size (its tasks and modes), then Babel.
 * Each panel has the pools with a figure for it, in the order they were measured.
 */
function rowsOf(report) {
  const mainColumns = COLUMNS.filter((column) => !column.metric.startsWith('p50') && !column.metric.startsWith('p99'))
  const columns = [...mainColumns, ...BIGDATA_COLUMNS, BABEL_COLUMN].filter((column) => report.results[column.workload])
  const pools = [...new Set(columns.flatMap((column) => Object.keys(report.results[column.workload])))]
  const panels = (list) => list
    .map((column) => ({
      column,
      entries: pools
        .map((pool) => [pool, report.results[column.workload]?.[pool]?.[column.metric]])
        .filter(([, summary]) => summary !== undefined),
    }))
    .filter(({ entries }) => entries.length > 0)
  const main = panels(mainColumns)
  const rows = []
  for (let i = 0; i < main.length; i += PANELS_PER_ROW) rows.push(main.slice(i, i + PANELS_PER_ROW))
  for (const size of Object.keys(SIZES)) rows.push(panels(BIGDATA_COLUMNS.filter((column) => column.metric.startsWith(`${size} `))))
  rows.push(panels([BABEL_COLUMN]))
  return rows.filter((row) => row.length > 0)
}

function renderChart(report) {
  const rows = rowsOf(report)
  const width = PANELS_PER_ROW * (LABEL_WIDTH + PANEL_WIDTH + 30)
  // Each row as high as its longest panel.
  const rowHeights = rows.map((row) => 40 + Math.max(...row.map(({ entries }) => entries.length)) * (BAR_HEIGHT + BAR_GAP))
  const height = 50 + rowHeights.reduce((sum, h) => sum + h + 20, 0)
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="10" y="22" font-size="15" font-weight="bold">parallel-processor vs. JavaScript pools, ${report.workers} workers (${escape(report.machine.cores)} cores, Node ${escape(report.machine.node)}, ${escape(report.date.slice(0, 10))})</text>`,
  ]
  let y0 = 50
  rows.forEach((row, rowIndex) => {
    // Three panels to a row's width; a row of more panels gives each less room for its bars.
    const slot = width / Math.max(PANELS_PER_ROW, row.length)
    const barRoom = slot - LABEL_WIDTH - 30
    row.forEach(({ column, entries }, index) => {
      const x0 = index * slot + 10
      const scale = barRoom / Math.max(...entries.map(([, s]) => s.max)) * 0.8
      const better = column.higherIsBetter ? 'higher is better' : 'lower is better'
      // Narrower panels (big data, all in ms) have no room for the note.
      const note = row.length > PANELS_PER_ROW ? '' : ` <tspan font-weight="normal" fill="#666">(${better})</tspan>`
      parts.push(`<text x="${x0}" y="${y0 + 14}" font-weight="bold">${escape(column.title)}${note}</text>`)
      entries.forEach(([pool, summary], entry) => {
        const y = y0 + 26 + entry * (BAR_HEIGHT + BAR_GAP)
        const barWidth = Math.max(1, summary.median * scale)
        parts.push(`<text x="${x0 + LABEL_WIDTH - 6}" y="${y + 12}" text-anchor="end">${escape(pool)}</text>`)
        parts.push(`<rect x="${x0 + LABEL_WIDTH}" y="${y}" width="${barWidth.toFixed(1)}" height="${BAR_HEIGHT}" fill="${COLORS[pool] ?? '#999'}"/>`)
        const lineY = y + BAR_HEIGHT / 2
        parts.push(`<line x1="${(x0 + LABEL_WIDTH + summary.min * scale).toFixed(1)}" x2="${(x0 + LABEL_WIDTH + summary.max * scale).toFixed(1)}" y1="${lineY}" y2="${lineY}" stroke="black" stroke-width="1"/>`)
        parts.push(`<text x="${(x0 + LABEL_WIDTH + Math.max(barWidth, summary.max * scale) + 4).toFixed(1)}" y="${y + 12}">${escape(column.format(summary.median))}</text>`)
      })
    })
    y0 += rowHeights[rowIndex] + 20
  })
  parts.push('</svg>')
  return `${parts.join('\n')}\n`
}

module.exports = { renderChart }
