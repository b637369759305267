'use strict'

/**
 * The orchestrator's families, from `status()`: one series per job (a job's
 * name is a label; run ids never are). Several orchestrators on one pool are
 * told apart by the `orchestrator` label: a cluster orchestrator's name, or
 * "local" (then "local-2", ... in the order they were made).
 */
const ORCHESTRATOR_STATES = ['stopped', 'running', 'stopping']
const JOB_STATES = ['idle', 'waiting', 'running', 'retrying', 'disabled', 'breakerOpen']

/** `orchestrators`: [{ label, status }] with `status` an orchestrator's `status()`. */
function writeOrchestratorMetrics(out, orchestrators) {
  const each = (read) => orchestrators.flatMap(({ label, status }) => read(status, (labels) => ({ orchestrator: label, ...labels })))
  const perJob = (read) => each((status, labelled) => Object.entries(status.jobs).flatMap(([job, info]) => read(info, (labels) => labelled({ job, ...labels }))))
  const seconds = (date) => date.getTime() / 1000

  out.gauge('parallel_processor_orchestrator_state', 'The orchestrator\'s state (1 for the current one).', each((status, labelled) =>
    ORCHESTRATOR_STATES.map((state) => [labelled({ state }), status.state === state ? 1 : 0])))
  out.gauge('parallel_processor_orchestrator_runs_active', 'Runs started and not yet over.', each((status, labelled) => [[labelled({}), status.running]]))
  out.gauge('parallel_processor_orchestrator_runs_waiting', 'Runs due and waiting for a slot, a blocking job or their dependencies.', each((status, labelled) => [[labelled({}), status.waiting]]))
  out.gauge('parallel_processor_orchestrator_dead_letters', 'Failed runs kept in the dead-letter list.', each((status, labelled) => [[labelled({}), status.deadLetters]]))
  const clustered = orchestrators.filter(({ status }) => status.cluster !== undefined)
  if (clustered.length > 0) {
    const cluster = (read) => clustered.map(({ label, status }) => [{ orchestrator: label }, read(status.cluster)])
    out.gauge('parallel_processor_orchestrator_replicas', 'Live replicas of the orchestrator, as last seen.', cluster((info) => info.replicas))
    out.gauge('parallel_processor_orchestrator_leading', 'Whether this replica leads (runs the schedule) now.', cluster((info) => (info.leading ? 1 : 0)))
    out.gauge('parallel_processor_orchestrator_connected', 'Whether this replica reaches Redis.', cluster((info) => (info.connected ? 1 : 0)))
  }

  out.counter('parallel_processor_orchestrator_job_runs_total', 'Runs of a job that ended, by outcome (a run counts once, after its retries).', perJob((job, labelled) => [
    [labelled({ outcome: 'success' }), job.successes],
    [labelled({ outcome: 'failure' }), job.failures],
  ]))
  out.gauge('parallel_processor_orchestrator_job_state', 'A job\'s state (1 for the current one).', perJob((job, labelled) =>
    JOB_STATES.map((state) => [labelled({ state }), job.state === state ? 1 : 0])))
  out.gauge('parallel_processor_orchestrator_job_enabled', 'Whether a job is enabled.', perJob((job, labelled) => [[labelled({}), job.enabled ? 1 : 0]]))
  out.gauge('parallel_processor_orchestrator_job_consecutive_failures', 'Failed runs of a job in a row.', perJob((job, labelled) => [[labelled({}), job.consecutiveFailures]]))
  out.gauge('parallel_processor_orchestrator_job_next_run_timestamp_seconds', 'When a job runs next (Unix time), for jobs with a next run.', perJob((job, labelled) =>
    (job.nextRunAt === null ? [] : [[labelled({}), seconds(job.nextRunAt)]])))
  out.gauge('parallel_processor_orchestrator_job_last_run_timestamp_seconds', 'When a job last started a run (Unix time).', perJob((job, labelled) =>
    (job.lastRunAt === null ? [] : [[labelled({}), seconds(job.lastRunAt)]])))
  out.gauge('parallel_processor_orchestrator_job_last_success_timestamp_seconds', 'When a job last succeeded (Unix time).', perJob((job, labelled) =>
    (job.lastSuccessAt === null ? [] : [[labelled({}), seconds(job.lastSuccessAt)]])))
  out.gauge('parallel_processor_orchestrator_job_last_duration_seconds', 'How long a job\'s last run took.', perJob((job, labelled) =>
    (job.lastDurationMs === null ? [] : [[labelled({}), job.lastDurationMs / 1000]])))
}

/** Labels for orchestrators in the order given: their cluster name, or "local"; repeats numbered. */
function orchestratorLabels(names) {
  const seen = new Map()
  return names.map((name) => {
    const base = name ?? 'local'
    const count = (seen.get(base) ?? 0) + 1
    seen.set(base, count)
    return count === 1 ? base : `${base}-${count}`
  })
}

module.exports = { writeOrchestratorMetrics, orchestratorLabels }
