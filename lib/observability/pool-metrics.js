'use strict'

/**
 * The pool's families of `pool.metrics()`, from what the core already counts
 * (a read takes the pool's lock once for stats() and once for the buckets;
 * nothing is counted per task for it beyond one bucket increment).
 */
const WORKER_STATES = ['starting', 'idle', 'busy', 'retiring', 'exited']
const MB = 2 ** 20

/**
 * `pool`: { kind, disposed, stats, times, exits } where `stats` is
 * `pool.stats()`, `times` the core's exported wait and run times, `exits`
 * a Map of exit reason -> workers that exited for it (every reason listed).
 */
function writePoolMetrics(out, { kind, disposed, stats, times, exits }) {
  out.gauge('parallel_processor_pool_info', 'The pool: its kind of workers ("thread" or "process"); always 1.', [[{ kind }, 1]])
  out.gauge('parallel_processor_pool_disposed', 'Whether the pool has been disposed or closed (1) or is serving (0).', [[null, disposed ? 1 : 0]])
  const handlerErrors = stats.failed - stats.timedOut - stats.crashed - stats.queueTimedOut
  out.counter('parallel_processor_tasks_total', 'Tasks settled, by outcome (a task retried after a crash or a timeout counts once, for how it ended; "error": its handler threw, or no worker could start).', [
    [{ outcome: 'success' }, stats.completed],
    [{ outcome: 'error' }, handlerErrors],
    [{ outcome: 'timeout' }, stats.timedOut],
    [{ outcome: 'crash' }, stats.crashed],
    [{ outcome: 'queue_timeout' }, stats.queueTimedOut],
    [{ outcome: 'abort' }, stats.aborted],
  ])
  out.counter('parallel_processor_task_retries_total', 'Re-runs of tasks after a worker crash or a timeout (the "retries" option).', [[null, stats.retried]])
  out.histogram('parallel_processor_task_duration_seconds', 'Time from a task\'s start on a worker to its settlement.', exported(times.bounds, times.runTime))
  out.histogram('parallel_processor_task_queue_wait_seconds', 'Time from submission to start, of tasks that started.', exported(times.bounds, times.waitTime))
  out.gauge('parallel_processor_queue_depth', 'Tasks waiting for a worker.', [[null, stats.queued]])
  out.gauge('parallel_processor_tasks_running', 'Tasks running on workers.', [[null, stats.running]])
  const byState = new Map(WORKER_STATES.map((state) => [state, 0]))
  for (const worker of stats.workers) byState.set(worker.state, (byState.get(worker.state) ?? 0) + 1)
  out.gauge('parallel_processor_workers', 'Workers, by state.', [...byState].map(([state, count]) => [{ state }, count]))
  out.counter('parallel_processor_workers_started_total', 'Workers started, replacements included.', [[null, stats.workersStarted]])
  out.counter('parallel_processor_worker_exits_total', 'Workers that exited, by reason (crash, timeout, abort: replaced; retire, idle, dispose: by design; startFailure: the module did not load).', [...exits].map(([reason, count]) => [{ reason }, count]))
  out.gauge('parallel_processor_utilization_ratio', 'Share of the workers\' time spent running tasks since the pool started (0..1).', [[null, stats.utilization]])
  const memory = workerMemory(kind, stats.workers)
  out.gauge('parallel_processor_worker_memory_bytes', 'Memory of the live workers as last measured after a task, summed ("heap": a thread\'s V8 heap; "rss": a process\'s resident set).', [[{ kind: memory.kind }, memory.sum]])
  out.gauge('parallel_processor_worker_memory_max_bytes', 'The largest memory of one live worker, as last measured.', [[{ kind: memory.kind }, memory.max]])
}

function workerMemory(kind, workers) {
  let sum = 0
  let max = 0
  for (const worker of workers) {
    const mb = kind === 'process' ? worker.rssMb : worker.heapUsedMb
    if (mb == null || worker.state === 'exited') continue
    sum += mb * MB
    max = Math.max(max, mb * MB)
  }
  return { kind: kind === 'process' ? 'rss' : 'heap', sum: Math.round(sum), max: Math.round(max) }
}

function exported(bounds, { cumulative, count, sumSeconds }) {
  return { bounds, cumulative, count, sum: sumSeconds }
}

/** The families of a cluster pool's `stats().cluster`. */
function writeClusterMetrics(out, cluster) {
  out.gauge('parallel_processor_cluster_nodes', 'Live nodes of the queue (heartbeat not expired).', [[null, cluster.nodes.length]])
  out.gauge('parallel_processor_cluster_workers', 'Worker slots across the live nodes.', [[null, cluster.nodes.reduce((sum, node) => sum + node.workers, 0)]])
  const ages = cluster.nodes.map((node) => node.lastSeenMs / 1000)
  out.gauge('parallel_processor_cluster_heartbeat_age_max_seconds', 'The oldest heartbeat among the live nodes.', [[null, ages.length === 0 ? 0 : Math.max(...ages)]])
  const lanes = cluster.lanes ?? []
  out.gauge('parallel_processor_cluster_queued', 'Tasks in the queue not yet delivered to a node, by priority lane.', lanes.map((lane) => [{ lane: String(lane.priority) }, lane.queued]))
  out.gauge('parallel_processor_cluster_pending', 'Tasks delivered to a node and not yet acknowledged, by priority lane.', lanes.map((lane) => [{ lane: String(lane.priority) }, lane.pending]))
  out.gauge('parallel_processor_cluster_dead_letters', 'Entries in the queue\'s dead-letter stream.', [[null, cluster.deadLetters]])
  out.counter('parallel_processor_cluster_redeliveries_total', 'Deliveries this node took of tasks delivered before (after a node died or gave them back).', [[null, cluster.redelivered ?? 0]])
}

module.exports = { writePoolMetrics, writeClusterMetrics }
