'use strict'

// Background jobs on a pool, scheduled by the orchestrator: fetch-data every
// few seconds, process-data after each fetch (dependsOn), cleanup never at the
// same time as process-data (blocks), and an upload that fails until it is
// disabled. Its status is printed as a small table while it runs. It stops
// gracefully on SIGTERM or SIGINT (Ctrl-C), or by itself after 20 s.
// Run with `npm run example:orchestrator`.
const { ParallelProcessor, Orchestrator } = require('..')

const RUN_FOR_MS = 20_000
const live = process.stdout.isTTY

const pool = new ParallelProcessor(2, { filename: require.resolve('./orchestrator-jobs.js') })
const orchestrator = new Orchestrator(pool, { maxConcurrentJobs: 2 })

orchestrator.register('fetch-data', { every: 3000, name: 'fetchData', timeoutMs: 5000, priority: 'high' })
orchestrator.register('process-data', { dependsOn: ['fetch-data'], name: 'processData', timeoutMs: 10_000 })
orchestrator.register('cleanup', { every: 2500, runOnStart: false, name: 'cleanup', priority: 'low', blocks: ['process-data'] })
orchestrator.register('upload', {
  every: 1000,
  name: 'upload',
  retries: 1,
  retryBackoffMs: { initial: 200, max: 400 },
  maxConsecutiveFailures: 3,
})

/** The last few things that happened, newest last. */
const log = []
function note(line) {
  const stamped = `${new Date().toISOString().slice(11, 23)}  ${line}`
  if (live) log.push(stamped)
  else console.log(stamped)
  if (log.length > 8) log.shift()
}

orchestrator.on('jobSuccess', ({ job, durationMs, result }) => note(`${job} succeeded in ${durationMs} ms: ${JSON.stringify(result)}`))
orchestrator.on('jobFailure', ({ job, attempt, error, willRetry }) => note(`${job} attempt ${attempt} failed: ${error.message}${willRetry ? ' (will retry)' : ''}`))
orchestrator.on('jobSkipped', ({ job, reason }) => {
  // A disabled job's skipped ticks show in the table; the others are news.
  if (reason !== 'disabled') note(`${job} skipped: ${reason}`)
})
orchestrator.on('jobDisabled', ({ job, consecutiveFailures }) => note(`${job} disabled after ${consecutiveFailures} failed runs in a row`))
orchestrator.on('deadLetter', ({ id, job }) => note(`${job}: dead letter #${id}`))

const columns = [
  ['job', 14, (name) => name],
  ['state', 12, (name, job) => job.state],
  ['runs', 5, (name, job) => job.runs],
  ['ok', 4, (name, job) => job.successes],
  ['failed', 7, (name, job) => job.failures],
  ['last ms', 8, (name, job) => job.lastDurationMs ?? '-'],
  ['next run in', 12, (name, job) => (job.nextRunAt === null ? '-' : `${Math.max(0, job.nextRunAt - Date.now())} ms`)],
]

function table() {
  const status = orchestrator.status()
  const row = (cells) => cells.map((cell, i) => String(cell).padEnd(columns[i][1])).join(' ')
  return [
    `orchestrator ${status.state}, ${status.running} running, ${status.waiting} waiting, ` +
      `${status.deadLetters} dead letter(s), ${status.healthy ? 'healthy' : 'not healthy'}`,
    row(columns.map(([title]) => title)),
    ...Object.entries(status.jobs).map(([name, job]) => row(columns.map(([, , cell]) => cell(name, job)))),
  ]
}

/** In a terminal: the table and the latest events, redrawn in place. Else: the table now and then. */
let drawn = 0
function draw() {
  const lines = live ? [...table(), '', ...log] : table()
  if (live && drawn > 0) process.stdout.write(`\x1b[${drawn}A\x1b[J`)
  process.stdout.write(`${lines.join('\n')}\n${live ? '' : '\n'}`)
  drawn = lines.length
}
const redraw = setInterval(draw, live ? 250 : 4000)
// The table must not keep the process alive: the orchestrator does, until it stops.
redraw.unref()

let stopping = null
function stop(why) {
  if (stopping !== null) return stopping
  note(`stopping (${why}): running jobs may finish`)
  stopping = orchestrator.stop({ timeoutMs: 5000 }).then(async () => {
    clearInterval(redraw)
    draw()
    await pool.close()
    console.log('stopped; the pool is closed and the process exits by itself')
  })
  return stopping
}
process.once('SIGTERM', () => stop('SIGTERM'))
process.once('SIGINT', () => stop('SIGINT'))
setTimeout(() => stop(`${RUN_FOR_MS / 1000} s are up`), RUN_FOR_MS).unref()

orchestrator.start().then(draw, (error) => {
  console.error(error)
  process.exitCode = 1
  return pool.dispose()
})
