'use strict'

/**
 * What the orchestrator's tests share: a pool and an orchestrator that are
 * stopped and disposed after each test, a log of every event with the time
 * it was seen, and ways to wait for events.
 */
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { fixture, readyPool, waitFor } = require('../helpers')
const { Orchestrator } = require('../pool-kind')

const EVENTS = ['jobStart', 'jobSuccess', 'jobFailure', 'jobSkipped', 'jobDisabled', 'breakerOpen', 'breakerClose', 'deadLetter']
const JOBS = fixture('jobs.js')

const live = []

/**
 * A ready pool of `workers` (the jobs.js fixture as its module) and an
 * orchestrator over it, with its events logged in `events`.
 */
async function setup({ workers = 2, pool: poolOptions = {}, ...options } = {}) {
  const pool = await readyPool({ workers, filename: JOBS, ...poolOptions }, { timeoutMs: 10000 })
  const orchestrator = new Orchestrator(pool, options)
  const entry = { pool, orchestrator }
  live.push(entry)
  const events = recordEvents(orchestrator)
  return { pool, orchestrator, events }
}

/**
 * Every event, in order: `{ event, at, ...detail }`, `at` when this thread saw
 * it. A 'jobStart' also has `runAt`: when the core started the run (its
 * status' lastRunAt), which a busy test process does not delay.
 */
function recordEvents(orchestrator) {
  const events = []
  for (const event of EVENTS) {
    orchestrator.on(event, (detail) => {
      const entry = { event, at: Date.now(), ...detail }
      if (event === 'jobStart') entry.runAt = orchestrator.status().jobs[detail.job]?.lastRunAt?.getTime()
      events.push(entry)
    })
  }
  return events
}

/** Stops every orchestrator (aborting what runs) and disposes every pool made by setup(). */
async function teardown() {
  const entries = live.splice(0)
  for (const { orchestrator, pool } of entries) {
    await orchestrator.stop({ timeoutMs: 0 })
    await pool.dispose()
  }
}

/** The events of one kind (and job), in order. */
function only(events, event, job) {
  return events.filter((e) => e.event === event && (job === undefined || e.job === job))
}

/** Resolves when `count` events of a kind (and job) have been logged; returns them. */
async function waitForEvents(events, event, { job, count = 1, timeoutMs = 10000 } = {}) {
  await waitFor(() => only(events, event, job).length >= count, timeoutMs, `${count} '${event}' events${job ? ` of ${job}` : ''}`)
  return only(events, event, job)
}

/** A path in the temporary directory that does not exist yet; removed after the test. */
function tempPath(name) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orchestrator-'))
  temporary.push(dir)
  return path.join(dir, name)
}
const temporary = []

function removeTemporary() {
  for (const dir of temporary.splice(0)) fs.rmSync(dir, { recursive: true, force: true })
}

/** Runs `ms` of busy work on this thread: the event loop is blocked meanwhile. */
function blockEventLoop(ms) {
  const end = Date.now() + ms
  while (Date.now() < end) {
    // busy
  }
}

/** The most intervals [startedAt, endedAt) open at one instant. */
function maxOverlap(intervals) {
  const edges = intervals.flatMap(({ startedAt, endedAt }) => [[startedAt, 1], [endedAt, -1]])
  // An end before a start at the same instant: back to back is not at once.
  edges.sort((a, b) => a[0] - b[0] || a[1] - b[1])
  let open = 0
  let most = 0
  for (const [, step] of edges) {
    open += step
    most = Math.max(most, open)
  }
  return most
}

afterEach(async () => {
  await teardown()
  removeTemporary()
})

module.exports = { setup, recordEvents, only, waitFor, waitForEvents, tempPath, blockEventLoop, maxOverlap, JOBS }
