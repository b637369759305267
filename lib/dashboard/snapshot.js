'use strict'

/**
 * What the dashboard shows, as plain JSON: a pool's stats, its recent
 * history and worker exits, an orchestrator's status and dead letters.
 * Every read is wrapped: a pool or orchestrator that throws gives
 * `{ available: false, error }` for its panel, never an exception.
 */
const { inspect } = require('node:util')
const { Orchestrator, JOB_SCHEDULE } = require('../orchestrator/orchestrator')

/** Samples kept: one a second while the dashboard is watched, about 10 minutes. */
const HISTORY_LENGTH = 600
/** Worker exits kept. */
const EXITS_LENGTH = 20
/** Longest text of a payload, a result or an error message. */
const TEXT_LIMIT = 500
/** Dead letters sent (the newest). */
const LETTERS_LIMIT = 50

/** A value as short, JSON-like text (payloads, results): never throws. */
function preview(value, limit = TEXT_LIMIT) {
  let text
  try {
    text = value === undefined ? '' : inspect(value, { depth: 4, breakLength: Infinity, maxArrayLength: 20, maxStringLength: limit, compact: true })
  } catch {
    text = '[unreadable value]'
  }
  return truncate(text, limit)
}

function truncate(text, limit = TEXT_LIMIT) {
  text = String(text)
  return text.length > limit ? `${text.slice(0, limit - 1)}…` : text
}

/** An error as { name, code, message }: never throws. */
function describeError(error) {
  try {
    if (error !== null && typeof error === 'object') {
      const code = typeof error.code === 'string' || typeof error.code === 'number' ? String(error.code) : null
      return { name: truncate(String(error.name ?? 'Error'), 100), code, message: truncate(String(error.message ?? '')) }
    }
    return { name: 'Error', code: null, message: truncate(String(error)) }
  } catch {
    return { name: 'Error', code: null, message: '[unreadable error]' }
  }
}

const dateMs = (date) => (date instanceof Date && !Number.isNaN(date.getTime()) ? date.getTime() : null)

/**
 * A pool's cumulative counters, sampled on each tick while the dashboard is
 * watched: throughput and mean latency per interval come from differences
 * of consecutive samples (mean latency = Δ(mean·count) / Δcount).
 */
class PoolHistory {
  #samples = []
  #exits = []
  #subscribed = false

  /** Starts keeping the pool's worker exits (once; the listener stays with the pool). */
  watchExits(pool) {
    if (this.#subscribed) return
    this.#subscribed = true
    pool.on('workerExit', (event) => {
      this.#exits.push({
        at: Date.now(),
        id: event?.id ?? null,
        reason: event?.reason == null ? null : String(event.reason),
        exitCode: event?.exitCode ?? null,
        signal: event?.signal ?? null,
        error: event?.error === undefined ? null : describeError(event.error).message,
      })
      if (this.#exits.length > EXITS_LENGTH) this.#exits.shift()
    })
  }

  get exits() {
    return this.#exits.slice().reverse()
  }

  /** Records the stats taken at `now` (no more often than every 500 ms). */
  sample(stats, now) {
    const last = this.#samples[this.#samples.length - 1]
    if (last !== undefined && now - last.t < 500) return
    this.#samples.push({
      t: now,
      completed: stats.completed,
      failed: stats.failed,
      queued: stats.queued,
      running: stats.running,
      runCount: stats.runTime?.count ?? 0,
      runTotal: (stats.runTime?.mean ?? 0) * (stats.runTime?.count ?? 0),
      waitCount: stats.waitTime?.count ?? 0,
      waitTotal: (stats.waitTime?.mean ?? 0) * (stats.waitTime?.count ?? 0),
    })
    if (this.#samples.length > HISTORY_LENGTH) this.#samples.shift()
  }

  /** One point per interval between samples: { t, completed/s, failed/s, mean run and wait ms (null: none), queued, running }. */
  points() {
    const points = []
    for (let i = 1; i < this.#samples.length; i++) {
      const a = this.#samples[i - 1]
      const b = this.#samples[i]
      const seconds = (b.t - a.t) / 1000
      const runs = b.runCount - a.runCount
      const waits = b.waitCount - a.waitCount
      points.push({
        t: b.t,
        completed: round(Math.max(0, b.completed - a.completed) / seconds),
        failed: round(Math.max(0, b.failed - a.failed) / seconds),
        runMs: runs > 0 ? round(Math.max(0, (b.runTotal - a.runTotal) / runs)) : null,
        waitMs: waits > 0 ? round(Math.max(0, (b.waitTotal - a.waitTotal) / waits)) : null,
        queued: b.queued,
        running: b.running,
      })
    }
    return points
  }
}

const round = (value) => Math.round(value * 100) / 100

function poolSnapshot(pool, history, now) {
  let disposed = false
  try {
    disposed = pool.disposed === true
  } catch {
    // Shown as not disposed: the stats below will say what they can.
  }
  let stats
  try {
    stats = pool.stats()
    history.sample(stats, now)
  } catch (error) {
    return { available: false, disposed, error: describeError(error).message, history: history.points(), exits: history.exits }
  }
  const n = (value) => (typeof value === 'number' && Number.isFinite(value) ? value : 0)
  const failedOther = Math.max(0, n(stats.failed) - n(stats.timedOut) - n(stats.crashed) - n(stats.queueTimedOut))
  const summary = (time) => (time == null ? null : { count: n(time.count), mean: n(time.mean), p50: n(time.p50), p90: n(time.p90), p99: n(time.p99), max: n(time.max) })
  const snapshot = {
    available: true,
    disposed,
    size: (stats.workers ?? []).filter((worker) => worker.state !== 'exited').length,
    queued: n(stats.queued),
    running: n(stats.running),
    completed: n(stats.completed),
    failed: n(stats.failed),
    utilization: n(stats.utilization),
    errors: {
      timedOut: n(stats.timedOut),
      crashed: n(stats.crashed),
      queueTimedOut: n(stats.queueTimedOut),
      aborted: n(stats.aborted),
      failedByHandler: failedOther,
    },
    retried: n(stats.retried),
    retired: n(stats.retired),
    workersStarted: n(stats.workersStarted),
    workersExited: n(stats.workersExited),
    runTime: summary(stats.runTime),
    waitTime: summary(stats.waitTime),
    workers: (stats.workers ?? []).map((worker) => ({
      id: worker.id,
      state: worker.state,
      kind: worker.pid !== undefined ? 'process' : worker.threadId !== undefined ? 'thread' : null,
      pid: worker.pid ?? null,
      threadId: worker.threadId ?? null,
      running: n(worker.running),
      completed: n(worker.completed),
      failed: n(worker.failed),
      restarts: n(worker.restarts),
      memoryMb: worker.heapUsedMb ?? worker.rssMb ?? null,
      memoryKind: worker.heapUsedMb !== undefined ? 'heap' : worker.rssMb !== undefined ? 'rss' : null,
    })),
    history: history.points(),
    exits: history.exits,
    cluster: null,
  }
  if (stats.cluster != null) {
    const cluster = stats.cluster
    snapshot.cluster = {
      nodeId: String(cluster.nodeId),
      queued: n(cluster.queued),
      pending: n(cluster.pending),
      deadLetters: n(cluster.deadLetters),
      nodes: (cluster.nodes ?? []).map((node) => ({ id: String(node.id), workers: n(node.workers), lastSeenMs: n(node.lastSeenMs) })),
      lanes: (cluster.lanes ?? []).map((lane) => ({ priority: n(lane.priority), queued: n(lane.queued), pending: n(lane.pending) })),
      redelivered: n(cluster.redelivered),
    }
  }
  return snapshot
}

/** Its next 5 fire times, for a cron job. */
function nextRunsOf(schedule) {
  if (schedule?.cron == null) return []
  try {
    return Orchestrator.nextRuns(schedule.cron, { count: 5, timeZone: schedule.timeZone ?? undefined }).map((date) => date.getTime())
  } catch {
    return []
  }
}

function orchestratorSnapshot(orchestrator) {
  let status
  try {
    status = orchestrator.status()
  } catch (error) {
    return { available: false, error: describeError(error).message }
  }
  const jobs = Object.entries(status.jobs ?? {}).map(([name, job]) => {
    let schedule
    try {
      schedule = orchestrator[JOB_SCHEDULE]?.(name)
    } catch {
      schedule = undefined
    }
    const finished = job.successes + job.failures
    // status()'s fields as they are, its Dates as ms and its error truncated, then what the page adds.
    return {
      name,
      ...job,
      successRate: finished > 0 ? job.successes / finished : null,
      lastRunAt: dateMs(job.lastRunAt),
      lastSuccessAt: dateMs(job.lastSuccessAt),
      lastError: job.lastError == null ? null : truncate(job.lastError),
      lastDurationMs: job.lastDurationMs ?? null,
      nextRunAt: dateMs(job.nextRunAt),
      breaker: job.state === 'breakerOpen' ? 'open' : schedule?.breaker ? 'closed' : null,
      everyMs: schedule?.everyMs ?? null,
      cron: schedule?.cron ?? null,
      timeZone: schedule?.cron == null ? null : schedule.timeZone,
      nextRuns: nextRunsOf(schedule),
    }
  })
  let letters
  let lettersError = null
  try {
    letters = orchestrator.deadLetters().slice(-LETTERS_LIMIT).reverse().map((letter) => ({
      id: letter.id,
      job: String(letter.job),
      runId: letter.runId ?? null,
      attempts: letter.attempts ?? null,
      failedAt: dateMs(letter.failedAt),
      payload: preview(letter.payload),
      error: describeError(letter.error),
    }))
  } catch (error) {
    letters = []
    lettersError = describeError(error).message
  }
  return {
    available: true,
    state: status.state,
    running: status.running,
    waiting: status.waiting,
    healthy: status.healthy,
    deadLetterCount: status.deadLetters,
    jobs,
    deadLetters: letters,
    deadLettersError: lettersError,
    cluster: status.cluster == null ? null : {
      connected: Boolean(status.cluster.connected),
      replicas: status.cluster.replicas ?? null,
      leader: status.cluster.leader ?? null,
      replica: status.cluster.replica ?? null,
      leading: Boolean(status.cluster.leading),
    },
  }
}

module.exports = { PoolHistory, poolSnapshot, orchestratorSnapshot, preview, describeError, truncate }
