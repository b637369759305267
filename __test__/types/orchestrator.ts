// The Orchestrator as the README's Orchestrator section uses it: constructor
// options, every job option, trigger(), status(), dead letters, nextRuns(),
// ref()/unref() and every event with its listener's argument. Compiled, never run.
import { ClusterUnavailableError, Orchestrator, ParallelProcessor } from 'parallel-processor'
import type {
  DeadLetter,
  DeadLetterEvent,
  JobContext,
  JobDisabledEvent,
  JobFailureEvent,
  JobOptions,
  JobPriority,
  JobSkippedEvent,
  JobStartEvent,
  JobStatus,
  JobSuccessEvent,
  NextRunsOptions,
  OrchestratorOptions,
  OrchestratorStatus,
  StopOptions,
} from 'parallel-processor'
import { exactly } from './helpers'

async function main(): Promise<void> {
  const pool = new ParallelProcessor(2, { filename: require.resolve('./worker') })
  const options: OrchestratorOptions = { maxConcurrentJobs: 2, deadLetterLimit: 1000 }
  const orchestrator = new Orchestrator(pool, options)
  void new Orchestrator(pool)

  // register() returns the orchestrator.
  exactly<Orchestrator>()(orchestrator.register('fetch-data', { every: 500, timeoutMs: 30_000, priority: 'high', name: 'fetchData' }))
  orchestrator
    .register('process-data', { dependsOn: ['fetch-data'], name: 'processData' })
    .register('cleanup', { cron: '0 3 * * *', timeZone: 'Europe/Paris', priority: 'low', blocks: ['process-data'], name: 'cleanup' })

  // Every job option.
  const everything: JobOptions<{ region: string }> = {
    mode: 'continuous',
    every: 60_000,
    cron: '*/15 * * * *',
    timeZone: 'Europe/Berlin',
    gapMs: 0,
    runOnStart: true,
    name: 'sync',
    filename: new URL('file:///abs/jobs.mjs'),
    payload: { region: 'eu' },
    timeoutMs: 60_000,
    retries: 3,
    retryBackoffMs: { initial: 1000, max: 60_000 },
    priority: 'critical',
    maxConsecutiveFailures: 5,
    breaker: { cooldownMs: 30_000 },
    dependsOn: [],
    blocks: [],
  }
  orchestrator.register('sync', everything)
  // A job that runs on the main thread: its payload type flows into `run`.
  orchestrator.register('ping', {
    mode: 'triggered',
    payload: { url: 'https://example.com' },
    run: async (payload, ctx) => {
      exactly<{ url: string }>()(payload)
      exactly<JobContext>()(ctx)
      exactly<AbortSignal>()(ctx.signal)
      const { name, runId, attempt, trigger } = ctx.job
      exactly<string>()(name)
      exactly<number>()(runId)
      exactly<number>()(attempt)
      exactly<'schedule' | 'manual' | 'dependency' | 'retry' | 'continuous'>()(trigger)
      return fetch(payload.url, { signal: ctx.signal })
    },
  })
  const priorities: JobPriority[] = ['low', 'normal', 'high', 'critical', 0, 1, 2, 3]
  void priorities
  orchestrator.register('scheduled', { mode: 'scheduled', every: 1000, priority: 2 })

  exactly<Promise<void>>()(orchestrator.start())
  exactly<Promise<unknown>>()(orchestrator.trigger('cleanup'))
  exactly<Promise<string>>()(orchestrator.trigger<string>('cleanup', { dryRun: true }))
  orchestrator.enable('cleanup')
  orchestrator.disable('cleanup')
  orchestrator.unregister('ping')
  exactly<Orchestrator>()(orchestrator.unref())
  exactly<Orchestrator>()(orchestrator.ref())

  exactly<string>()(orchestrator.metrics())
  const status = orchestrator.status()
  exactly<OrchestratorStatus>()(status)
  exactly<'stopped' | 'running' | 'stopping'>()(status.state)
  exactly<number>()(status.running)
  exactly<number>()(status.waiting)
  exactly<boolean>()(status.healthy)
  exactly<number>()(status.deadLetters)
  const job = status.jobs['fetch-data']
  exactly<JobStatus>()(job)
  exactly<'scheduled' | 'triggered' | 'continuous'>()(job.mode)
  exactly<boolean>()(job.enabled)
  exactly<'idle' | 'waiting' | 'running' | 'retrying' | 'disabled' | 'breakerOpen'>()(job.state)
  exactly<number[]>()([job.runs, job.successes, job.failures, job.consecutiveFailures])
  exactly<Date | null>()(job.lastRunAt)
  exactly<Date | null>()(job.lastSuccessAt)
  exactly<string | null>()(job.lastError)
  exactly<number | null>()(job.lastDurationMs)
  exactly<Date | null>()(job.nextRunAt)

  const letters = orchestrator.deadLetters()
  exactly<DeadLetter[]>()(letters)
  for (const letter of letters) {
    const { id, job, runId, payload, error, attempts, failedAt } = letter
    exactly<number>()(id)
    exactly<string>()(job)
    exactly<number>()(runId)
    exactly<unknown>()(payload)
    exactly<unknown>()(error)
    exactly<number>()(attempts)
    exactly<Date>()(failedAt)
    exactly<Promise<number>>()(orchestrator.retryDeadLetter<number>(id))
  }
  orchestrator.clearDeadLetters()

  const nextRunsOptions: NextRunsOptions = { count: 3, from: new Date(), timeZone: 'Australia/Lord_Howe' }
  exactly<Date[]>()(Orchestrator.nextRuns('30 2 * * *', nextRunsOptions))
  exactly<Date[]>()(Orchestrator.nextRuns('@daily'))

  const stopOptions: StopOptions = { timeoutMs: 30_000 }
  process.on('SIGTERM', () => orchestrator.stop())
  exactly<Promise<void>>()(orchestrator.stop(stopOptions))
  await pool.dispose()

  // @ts-expect-error: not a priority
  orchestrator.register('x', { priority: 'urgent' })
  // @ts-expect-error: not a mode
  orchestrator.register('x', { mode: 'once' })
  // @ts-expect-error: a misspelt option (register() refuses it at run time too)
  orchestrator.register('x', { evry: 500 })
  // @ts-expect-error: `every` is in ms, a number
  orchestrator.register('x', { every: '5m' })
  // @ts-expect-error: dependsOn lists names
  orchestrator.register('x', { dependsOn: 'fetch-data' })
  // @ts-expect-error: the breaker needs its cool-down
  orchestrator.register('x', { breaker: {} })
  // @ts-expect-error: the payload must be what `run` takes
  orchestrator.register('x', { payload: 1, run: (payload: string) => payload })
  // @ts-expect-error: the orchestrator runs on a pool
  void new Orchestrator({ workers: 2 })
  // @ts-expect-error: a job's status has no `paused` state
  if (job.state === 'paused') return
  // @ts-expect-error: nextRunAt may be null
  void job.nextRunAt.getTime()
}
void main

function events(orchestrator: Orchestrator): void {
  const chained: Orchestrator = orchestrator
    .on('jobStart', (event) => {
      exactly<JobStartEvent>()(event)
      const { job, runId, attempt, trigger } = event
      exactly<string>()(job)
      exactly<number>()(runId)
      exactly<number>()(attempt)
      exactly<'schedule' | 'manual' | 'dependency' | 'retry' | 'continuous'>()(trigger)
    })
    .on('jobSuccess', (event) => {
      exactly<JobSuccessEvent>()(event)
      const { job, runId, durationMs, result } = event
      exactly<string>()(job)
      exactly<number>()(runId)
      exactly<number>()(durationMs)
      exactly<unknown>()(result)
    })
    .on('jobFailure', (event) => {
      exactly<JobFailureEvent>()(event)
      const { job, runId, attempt, error, willRetry } = event
      exactly<string>()(job)
      exactly<number>()(runId)
      exactly<number>()(attempt)
      exactly<unknown>()(error)
      exactly<boolean>()(willRetry)
    })
    .on('jobSkipped', (event) => {
      exactly<JobSkippedEvent>()(event)
      exactly<string>()(event.job)
      exactly<'overlap' | 'dependencyFailed' | 'disabled' | 'breakerOpen' | 'stopping'>()(event.reason)
    })
    .on('jobDisabled', (event) => {
      exactly<JobDisabledEvent>()(event)
      exactly<string>()(event.job)
      exactly<number>()(event.consecutiveFailures)
    })
    .on('breakerOpen', (event) => exactly<{ job: string }>()(event))
    .on('breakerClose', (event) => exactly<{ job: string }>()(event))
    .on('deadLetter', (event) => {
      exactly<DeadLetterEvent>()(event)
      const { id, job, runId, error } = event
      exactly<number>()(id)
      exactly<string>()(job)
      exactly<number>()(runId)
      exactly<unknown>()(error)
    })
  void chained

  orchestrator.once('jobStart', ({ trigger }) => exactly<JobStartEvent['trigger']>()(trigger))
  orchestrator.once('jobSuccess', ({ durationMs }) => exactly<number>()(durationMs))
  orchestrator.once('jobFailure', ({ willRetry }) => exactly<boolean>()(willRetry))
  orchestrator.once('jobSkipped', ({ reason }) => exactly<JobSkippedEvent['reason']>()(reason))
  orchestrator.once('jobDisabled', ({ consecutiveFailures }) => exactly<number>()(consecutiveFailures))
  orchestrator.once('breakerOpen', ({ job }) => exactly<string>()(job))
  orchestrator.once('deadLetter', ({ id }) => exactly<number>()(id))

  // @ts-expect-error: not a reason of 'jobSkipped'
  orchestrator.on('jobSkipped', ({ reason }) => reason === 'replicaLost')
  // @ts-expect-error: 'jobSuccess' has no attempt
  orchestrator.on('jobSuccess', ({ attempt }) => attempt)
}
void events

/** Across replicas: the `cluster` option, what status() says of it, its events. */
function acrossReplicas(pool: ParallelProcessor) {
  const shared = new Orchestrator(pool, { maxConcurrentJobs: 2, cluster: { redis: 'redis://127.0.0.1:6379', name: 'billing', heartbeatMs: 500 } })
  shared.register('invoices', { cron: '0 2 * * *', timeZone: 'Europe/Berlin', catchUp: 'skip', run: (_payload, ctx) => exactly<Date | null>()(ctx.job.scheduledAt) })
  // @ts-expect-error: catchUp is 'once' or 'skip'
  shared.register('bad', { every: 1000, catchUp: 'all' })
  // @ts-expect-error: a shared orchestrator needs a name
  void new Orchestrator(pool, { cluster: { redis: 'redis://127.0.0.1:6379' } })
  const cluster = shared.status().cluster
  if (cluster !== undefined) {
    exactly<boolean>()(cluster.connected)
    exactly<number>()(cluster.replicas)
    exactly<string | null>()(cluster.leader)
    exactly<boolean>()(cluster.leading)
  }
  exactly<void | Promise<void>>()(shared.disable('invoices'))
  shared.on('definitionChange', ({ job, from, to }) => {
    exactly<string>()(job)
    exactly<Record<string, unknown>>()(from)
    exactly<Record<string, unknown>>()(to)
  })
  shared.on('clusterDown', ({ error }) => exactly<ClusterUnavailableError>()(error))
  shared.on('jobFailure', ({ reason }) => exactly<'replicaLost' | undefined>()(reason))
  shared.on('jobStart', ({ scheduledAt }) => exactly<Date | null>()(scheduledAt))
}
void acrossReplicas
