/**
 * The package's public types, written by hand. The build (`napi build`) writes
 * the addon's own generated declarations to native/index.d.ts, which are
 * internal and not part of the API; this file is not generated. It is checked
 * by __test__/types (type tests compiled by `npm test`; generated/stats.ts
 * there compares the stats types below with the generated ones) and by
 * __test__/package (the declared exports against index.js and index.mjs).
 */
import { EventEmitter } from 'node:events'
import type { ResourceLimits } from 'node:worker_threads'

export interface ProcessorOptions {
  /**
   * Number of workers of a fixed pool, an integer from 1 to 1024. Default: `os.availableParallelism()`.
   * With `cluster`, `0` makes a node that only submits.
   */
  workers?: number
  /** A dynamic pool (instead of `workers`): workers kept even when idle (0..1024). Default `0`. */
  minWorkers?: number
  /** A dynamic pool: most workers at once; it grows towards this while tasks wait. Default: `os.availableParallelism()`. */
  maxWorkers?: number
  /** A dynamic pool: a worker idle this long leaves, down to `minWorkers`. Default `10000`. */
  idleTimeoutMs?: number
  /** How many tasks a worker runs at once (for async handlers). Default `1`. */
  concurrentTasksPerWorker?: number
  /** Absolute path or `file:` URL of the worker module (CommonJS or ESM). Without it, every `execute()` must name one. */
  filename?: string | URL
  /** `'thread'` (worker_threads, the default) or `'process'` (a child process per worker, started and reaped by Rust, killed with its parent). */
  kind?: 'thread' | 'process'
  /**
   * Process workers: where a child's stdout and stderr go. `'prefix'` (default): each line to the
   * parent's, with `[worker N] ` in front; `'inherit'`: straight to the parent's; `'ignore'`: nowhere.
   */
  stdio?: 'inherit' | 'prefix' | 'ignore'
  /** Default deadline of a task, counted from the moment it starts running; `0` = none. Default `0`. */
  taskTimeoutMs?: number
  /** Most tasks waiting to start; beyond it `execute()` rejects with `QueueFullError`. Default `Infinity`. */
  maxQueue?: number
  /** Most time a task may wait to start; beyond it, it rejects with `QueueTimeoutError`. `0` = no limit (default). */
  maxQueueWaitMs?: number
  /**
   * With `concurrentTasksPerWorker` above 1: how long a worker has, after one of its tasks was aborted or
   * timed out, to show that its event loop still turns (its other tasks carry on meanwhile, and it takes no
   * new one). Past it, the worker is terminated and replaced, and its other tasks end as a crash ends them.
   * `0`: at once; `Infinity`: never. Default `1000`.
   */
  abortGraceMs?: number
  /** Restart back-off after failed starts: exponential with jitter from `initial` to `max` ms. Default `{ initial: 100, max: 5000 }`. */
  restartBackoffMs?: { initial?: number; max?: number }
  /** A worker retires (gracefully) after this many tasks. Default: never. */
  maxTasksPerWorker?: number
  /** A worker whose memory (a thread's heap, a process's RSS) is over this many MB after a task retires (gracefully). Default: no limit. */
  maxWorkerMemoryMb?: number
  /** Any cloneable value, visible in every worker as `workerData`. */
  workerData?: unknown
  /** Environment of each worker, as Node's `Worker` option (for a process: its whole environment). */
  env?: NodeJS.ProcessEnv | symbol
  /** Node flags of each worker, as Node's `Worker` option (for a process: its node options). */
  execArgv?: string[]
  /** Values appended to each worker's `process.argv`, as strings, as Node's `Worker` option (for a process: after its script). */
  argv?: unknown[]
  /** Heap limits of each worker, as Node's `Worker` option (for a process: mapped to V8 flags). */
  resourceLimits?: ResourceLimits
  /**
   * Lowers each worker's CPU priority: added to its nice value (stopping at 19), before its module loads.
   * Process workers: the child's own priority (Windows: libuv's mapping to priority classes, so below
   * `10` nothing changes, `10` to `18` is below normal, `19` and more idle). Thread workers: that thread
   * alone, on Linux; ignored elsewhere (there it would lower the whole process). A priority the OS refuses
   * is ignored. An integer `>= 0`; default `0`.
   */
  niceIncrement?: number
  /**
   * Share one queue with every pool of the same Redis and `queue` (see the README's "Cluster"):
   * every task goes through Redis and may run on any node. `maxQueue` then bounds the backlog in Redis.
   */
  cluster?: ClusterOptions
  /**
   * OpenTelemetry traces, when `@opentelemetry/api` is installed (an optional peer dependency):
   * `execute()` inside an active trace makes a span `parallel-processor execute` and the handler
   * runs in a child span in its worker (see docs/observability.md). `false` turns them off for this
   * pool and its orchestrators: no span, and tasks carry no trace context. Default `true`.
   */
  telemetry?: boolean
}

export interface ClusterOptions {
  /**
   * A `redis://` URL, `rediss://` for TLS (the server's certificate verified against the Mozilla roots,
   * `SSL_CERT_FILE` and `SSL_CERT_DIR`, or `ca`), with user and password for ACLs
   * (`rediss://user:password@host:6380/0`), or `redis+unix:///path`.
   */
  redis: string
  /** Nodes with the same Redis and queue share work; 1 to 200 characters, no spaces or braces. */
  queue: string
  /**
   * `rediss://`: the only certificates trusted, as PEM text or a `Buffer` of it (one certificate or a bundle),
   * or an array of them. As Node's `tls` `ca` option, it replaces the defaults (the Mozilla roots,
   * `SSL_CERT_FILE`, `SSL_CERT_DIR`). One that holds no certificate throws `ERR_INVALID_ARG_VALUE`.
   */
  ca?: string | Buffer | Array<string | Buffer>
  /** A task held this long by a node that stopped renewing it is taken back. Default `30000`; at least twice `heartbeatMs`. */
  visibilityTimeoutMs?: number
  /** How often a node says it is alive; unseen for 3 heartbeats, it is dead and its tasks are taken back at once. Default `1000`. */
  heartbeatMs?: number
  /** Deliveries without an outcome before a task is dead-lettered (`DeliveryLimitError`). Default `3`. */
  maxDeliveries?: number
  /** The most dead letters the queue keeps, the oldest dropped first; `Infinity`: all. Default `10000`. */
  deadLetterLimit?: number
  /** How long a submitter's result stream outlives its last result. Default `3600000`. */
  resultTtlMs?: number
  /** `execute()` rejects with `ClusterUnavailableError` when Redis does not take the task within this. Default `5000`. */
  connectTimeoutMs?: number
}

export interface ClusterStats {
  /** This node's id (host, pid and a random part). */
  nodeId: string
  /** Nodes whose heartbeat is current, this one included. */
  nodes: Array<{ id: string; workers: number; lastSeenMs: number }>
  /** Tasks waiting in Redis, delivered to no node yet. */
  queued: number
  /** Tasks delivered to a node and not yet acknowledged. */
  pending: number
  /** Entries of the queue's dead-letter stream. */
  deadLetters: number
  /** Each priority lane (highest first): its tasks not yet delivered, and delivered but not acknowledged. */
  lanes: Array<{ priority: number; queued: number; pending: number }>
  /** Deliveries this node took of tasks delivered before (to a node that died or gave them back). */
  redelivered: number
}

export interface ExecuteOptions {
  /** Named export to call; the default export when absent. */
  name?: string
  /** Overrides the pool's `filename` for this task. */
  filename?: string | URL
  /** Overrides `taskTimeoutMs` for this task; `0` = none. */
  timeoutMs?: number
  /**
   * An integer; higher runs first, first in first out within a priority.
   * A waiting task gains one level per second waited, so none starves. Default `0`.
   */
  priority?: number
  /**
   * Aborts the task: at once if already aborted, removed if queued, its worker
   * terminated and replaced if running. Rejects with `AbortError` (`cause`: `signal.reason`).
   */
  signal?: AbortSignal | null
  /**
   * For idempotent work: run again, at most this many times, after a
   * `WorkerCrashedError` or `TimeoutError` (never after the handler's own throw).
   * The final error's `attempts` says how many runs were made. Default `0`.
   * Not with a `transferList` or `move()`: what was moved cannot be sent again.
   */
  retries?: number
  /**
   * Moved to the worker, not copied, as `postMessage` moves them: each listed
   * buffer is detached (`byteLength === 0`) once `execute()` returns.
   * `MessagePort`s reach the handler working (thread workers). Process
   * workers copy buffers (and detach the listed ones all the same) and refuse ports.
   */
  transferList?: ReadonlyArray<ArrayBuffer | import('node:worker_threads').MessagePort>
}

export interface CloseOptions {
  /** After this long, remaining tasks are disposed. Default `30000`; `Infinity` waits forever. */
  timeoutMs?: number
  /**
   * `true`: the tasks still queued reject at once with `DisposedError`; only running ones finish
   * (and those a starting worker will take first, which count as running).
   * Cluster pools: this node's own submissions still pending reject (they stay in the cluster's
   * queue and run elsewhere); what its workers run finishes. Default `false`.
   */
  force?: boolean
}

/** The second argument of a handler. */
export interface TaskContext {
  taskId: string
  workerId: number
  signal: AbortSignal
  /** Set when the task is a run of an `Orchestrator` job. */
  job?: JobInfo
  /** Cluster pools: how many times the task has been delivered, from 1 (more after a node died holding it). */
  delivery?: number
}

export type Handler<P = any, R = unknown> = (payload: P, ctx: TaskContext) => R | Promise<R>

export interface WorkerStats {
  id: number
  state: 'starting' | 'idle' | 'busy' | 'retiring' | 'exited'
  /** A thread worker's thread id. */
  threadId?: number
  /** A process worker's pid (once it has started). */
  pid?: number
  running: number
  completed: number
  failed: number
  /** Tasks it finished (returned or threw). */
  tasksSinceStart: number
  /** How many workers its place in the pool went through before it (crashes, timeouts, retirements). */
  restarts: number
  /**
   * Thread workers: the heap in use after a recent task (after every task with
   * `maxWorkerMemoryMb`, else sampled at most every 100 ms); absent before its first.
   */
  heapUsedMb?: number
  /** Process workers: the RSS, measured as `heapUsedMb` is. */
  rssMb?: number
}

/** Milliseconds; percentiles within ~6% (and within `min`..`max`); `min`, `max`, `mean` and `stddev` exact. */
export interface TimeSummary {
  count: number
  min: number
  mean: number
  p50: number
  p90: number
  p99: number
  max: number
  /** The population standard deviation; `0` for fewer than 2 durations. */
  stddev: number
}

export interface ProcessorStats {
  workers: WorkerStats[]
  queued: number
  running: number
  /** Tasks whose handler returned. */
  completed: number
  /** Tasks that rejected for any reason but dispose (includes `timedOut` and `crashed`). */
  failed: number
  timedOut: number
  /** Tasks that waited longer than `maxQueueWaitMs`. */
  queueTimedOut: number
  /** Tasks aborted through their `signal` (not counted in `failed`). */
  aborted: number
  /** Re-runs after a crash or a timeout (`retries`). */
  retried: number
  /** Workers retired gracefully (`maxTasksPerWorker`, `maxWorkerMemoryMb`, `recycleWorkers()`). */
  retired: number
  crashed: number
  workersStarted: number
  workersExited: number
  /** From submission to start, of tasks that started. */
  waitTime: TimeSummary
  /** From start to settlement, of tasks that ran. */
  runTime: TimeSummary
  /** Share of the workers' time spent running tasks since the pool started, 0..1. */
  utilization: number
  /** Cluster pools: the queue as of this node's last heartbeat. */
  cluster?: ClusterStats
}

export interface WorkerCreateEvent {
  id: number
}

export interface WorkerExitEvent {
  id: number
  /** `null` when a signal killed it (then `signal` names the signal). */
  exitCode: number | null
  /** The signal that killed it, as `'SIGKILL'`, or `null`. */
  signal: string | null
  /** Why it left. */
  reason: 'crash' | 'timeout' | 'abort' | 'retire' | 'idle' | 'dispose' | 'startFailure'
  /**
   * The error that killed it, when there was one: its uncaught exception (also one thrown while it was
   * idle), a process worker's fatal error, the loader's error of a start failure. `undefined` when it
   * was stopped or left without one (dispose, idle, retire, timeout, abort, a plain `process.exit()`).
   */
  error: unknown
}

export interface WorkerRetireEvent {
  id: number
  reason: 'maxTasks' | 'memory' | 'recycle'
}

export declare class ParallelProcessor extends EventEmitter {
  constructor(workers: number, options?: ProcessorOptions)
  constructor(options?: ProcessorOptions)

  /** Runs a task; never throws synchronously: every failure is a rejection. */
  execute<T = unknown>(payload?: unknown, options?: ExecuteOptions): Promise<T>
  /** Rejects every queued and running task with `DisposedError`, stops every worker. Idempotent. */
  dispose(): Promise<void>
  /**
   * Refuses new tasks, lets queued and running ones finish (with `force`, queued ones reject at once),
   * then disposes (or disposes after `timeoutMs`).
   */
  close(options?: CloseOptions): Promise<void>
  /**
   * Retires every current worker gracefully: each finishes what it runs, takes
   * no new task, and leaves once its replacement is ready. Resolves when all have left.
   */
  recycleWorkers(): Promise<void>
  [Symbol.asyncDispose](): Promise<void>
  stats(): ProcessorStats
  /**
   * The Prometheus text exposition (format 0.0.4) of the pool, its cluster and
   * its orchestrators: serve it as `text/plain; version=0.0.4`. Computed when
   * called; never throws, a disposed pool included.
   */
  metrics(): string

  /** Live workers: starting, ready, or retiring until they leave. */
  readonly size: number
  /** Tasks waiting to start. */
  readonly queueSize: number
  /** Tasks running. */
  readonly running: number
  readonly disposed: boolean
  /** The pool's worker module as an absolute path, or `null`. */
  readonly filename: string | null
  readonly taskTimeoutMs: number

  on(event: 'workerCreate', listener: (event: WorkerCreateEvent) => void): this
  on(event: 'workerExit', listener: (event: WorkerExitEvent) => void): this
  on(event: 'workerRetire', listener: (event: WorkerRetireEvent) => void): this
  on(event: 'drain', listener: () => void): this
  on(event: 'breakerOpen', listener: (event: { cause: unknown }) => void): this
  on(event: 'breakerClose', listener: () => void): this
  /** What a handler posts with `parentPort.postMessage()` (thread workers). */
  on(event: 'message', listener: (message: unknown, from: { workerId: number }) => void): this
  on(event: string | symbol, listener: (...args: any[]) => void): this
  once(event: 'workerCreate', listener: (event: WorkerCreateEvent) => void): this
  once(event: 'workerExit', listener: (event: WorkerExitEvent) => void): this
  once(event: 'workerRetire', listener: (event: WorkerRetireEvent) => void): this
  once(event: 'drain', listener: () => void): this
  once(event: 'breakerOpen', listener: (event: { cause: unknown }) => void): this
  once(event: 'breakerClose', listener: () => void): this
  once(event: 'message', listener: (message: unknown, from: { workerId: number }) => void): this
  once(event: string | symbol, listener: (...args: any[]) => void): this
}

export declare class ProcessorError extends Error {
  readonly code: string
}
export declare class TimeoutError extends ProcessorError {
  readonly code: 'ERR_TASK_TIMEOUT'
  readonly timeoutMs: number
  /** How many times the task ran (more than 1 with `retries`). */
  readonly attempts: number
}
export declare class WorkerCrashedError extends ProcessorError {
  readonly code: 'ERR_WORKER_CRASHED'
  readonly workerId: number
  readonly exitCode: number | null
  readonly signal: string | null
  /** How many times the task ran (more than 1 with `retries`). */
  readonly attempts: number
  /** The worker's uncaught error, when there was one. */
  readonly cause?: unknown
  /** Cluster pools: the node the worker ran on. */
  readonly nodeId?: string
}
export declare class WorkerStartError extends ProcessorError {
  readonly code: 'ERR_WORKER_START'
  /** The loader's error. */
  readonly cause: unknown
}
export declare class DisposedError extends ProcessorError {
  readonly code: 'ERR_PROCESSOR_DISPOSED'
}
export declare class QueueFullError extends ProcessorError {
  readonly code: 'ERR_QUEUE_FULL'
}
export declare class AbortError extends ProcessorError {
  readonly name: 'AbortError'
  readonly code: 'ABORT_ERR'
  /** The signal's reason. */
  readonly cause: unknown
}
export declare class QueueTimeoutError extends ProcessorError {
  readonly code: 'ERR_QUEUE_TIMEOUT'
  readonly maxQueueWaitMs: number
}
/** Cluster pools: Redis did not take the task within `connectTimeoutMs` (or lost it). */
export declare class ClusterUnavailableError extends ProcessorError {
  readonly code: 'ERR_CLUSTER_UNAVAILABLE'
}
/** Cluster pools: delivered `deliveries` times without an outcome; the task is in the queue's dead-letter stream. */
export declare class DeliveryLimitError extends ProcessorError {
  readonly code: 'ERR_DELIVERY_LIMIT'
  readonly deliveries: number
  /** The node that dead-lettered it. */
  readonly nodeId: string
}
/**
 * The constructor's options ask for what this runtime (Bun, Deno) cannot do
 * (see docs/runtimes.md); `missing` says what.
 */
export declare class UnsupportedRuntimeError extends ProcessorError {
  readonly code: 'ERR_UNSUPPORTED_RUNTIME'
  readonly runtime: 'node' | 'bun' | 'deno'
  /** The runtime and its version, e.g. `"Bun 1.4.5"`. */
  readonly runtimeVersion: string
  /** What is missing, and why. */
  readonly missing: string
}

export type JobPriority = 'low' | 'normal' | 'high' | 'critical' | 0 | 1 | 2 | 3
export type JobTrigger = 'schedule' | 'manual' | 'dependency' | 'retry' | 'continuous'
export type JobSkipReason = 'overlap' | 'dependencyFailed' | 'disabled' | 'breakerOpen' | 'stopping'

export interface OrchestratorOptions {
  /** Most runs at once, over all jobs. Default: the pool's most workers. */
  maxConcurrentJobs?: number
  /** Most dead letters kept; the oldest is dropped beyond it. Default `1000`. */
  deadLetterLimit?: number
  /**
   * One orchestrator across processes: every `Orchestrator` with the same Redis and
   * `name` is one (see docs/orchestrator.md, "Across replicas").
   */
  cluster?: OrchestratorClusterOptions
}

export interface OrchestratorClusterOptions {
  /** A `redis://`, `rediss://` or `redis+unix://` URL. Default: the pool's, for a cluster pool. */
  redis?: string
  /** The orchestrator's name: 1 to 200 characters, no spaces or braces. */
  name: string
  /** How often a replica says it is alive; the leader's lease lasts three. Default `1000`. */
  heartbeatMs?: number
  /** Connecting (and any one command) fails after this long. Default `5000`. */
  connectTimeoutMs?: number
  /** `rediss://`: the PEM certificates to trust instead of the defaults. Default: the pool's, for a cluster pool. */
  ca?: string | Buffer | Array<string | Buffer>
}

/** `status().cluster` of an orchestrator shared by replicas. */
export interface OrchestratorClusterStatus {
  /** Whether this replica reaches Redis. */
  connected: boolean
  /** Replicas alive, as the last heartbeat counted them. */
  replicas: number
  /** The id of the replica that leads (runs the jobs), or null. */
  leader: string | null
  /** This replica's id. */
  replica: string
  leading: boolean
}

/** `ctx.job` of a run: which job, which run, which attempt of it, and why it runs. */
export interface JobInfo {
  name: string
  runId: number
  /** 1 for the first attempt, then one more per retry. */
  attempt: number
  trigger: JobTrigger
  /**
   * The tick a scheduled run serves (also its retries'), else `null`: the same instant
   * on every replica, so a handler may use it as an idempotency key.
   */
  scheduledAt: Date | null
}

/** The second argument of a job's handler (a worker export's `ctx` also has the task's `taskId` and `workerId`). */
export interface JobContext {
  job: JobInfo
  signal: AbortSignal
}

export interface JobOptions<P = any> {
  /**
   * `'scheduled'` (by `every` or `cron`), `'triggered'` (only by `trigger()` or after its
   * dependencies) or `'continuous'` (again as soon as a run ends).
   * Default: `'scheduled'` with `every` or `cron`, else `'triggered'`.
   */
  mode?: 'scheduled' | 'triggered' | 'continuous'
  /** Ms between starts, at a fixed rate anchored at `start()` (no drift). */
  every?: number
  /** A cron expression: 5 fields, or 6 with seconds first; `L`, `W` and `#` supported. */
  cron?: string
  /** The IANA zone `cron` is read in. Default: the system's. */
  timeZone?: string
  /**
   * `continuous`: least ms between the end of a run and the next start. After a failed
   * run the next start waits the `retryBackoffMs` curve instead. Default `0`.
   */
  gapMs?: number
  /** Run once at `start()`. Default: `true` with `every`, `false` with `cron`. */
  runOnStart?: boolean
  /** The export of the worker module to call. Default: the default export. */
  name?: string
  /** The worker module. Default: the pool's. */
  filename?: string | URL
  /** What the handler is called with (a `trigger()` may pass another). */
  payload?: P
  /**
   * Instead of a worker export: an async function called on the main thread, for light
   * I/O jobs. A timeout aborts `ctx.signal` and fails the run, but cannot stop code that
   * ignores the signal: CPU work belongs in a worker export.
   */
  run?: (payload: P, ctx: JobContext) => unknown
  /** A run's deadline; the pool terminates a worker that overruns it. `0` = none. Default `60000`. */
  timeoutMs?: number
  /** Re-runs after a failed attempt; a run fails only once they are spent. Default `3`. */
  retries?: number
  /** Back-off between attempts, exponential with jitter. Default `{ initial: 1000, max: 60000 }`. */
  retryBackoffMs?: { initial?: number; max?: number }
  /** Who gets a free slot first. Default `'normal'`. */
  priority?: JobPriority
  /** Failed runs in a row after which the job is disabled (`'jobDisabled'`) until `enable()`; `0` = never. Default `5`. */
  maxConsecutiveFailures?: number
  /** Instead of disabling: the breaker opens, and after `cooldownMs` lets one probe run through; success closes it. */
  breaker?: { cooldownMs: number }
  /**
   * Jobs that must each have succeeded since this job's last run started, and none of them
   * be running, before it runs. A job with no schedule of its own runs after each such success.
   */
  dependsOn?: string[]
  /** Jobs that must never run at the same time as this one (symmetric). */
  blocks?: string[]
  /**
   * Across replicas, scheduled jobs: the ticks that fell due while no replica was alive
   * run once for all (`'once'`) or not at all (`'skip'`). Ticks missed while one was
   * alive always run, each once. Default `'once'`.
   */
  catchUp?: 'once' | 'skip'
}

export interface StopOptions {
  /** How long running jobs may go on before they are aborted. Default `30000`. */
  timeoutMs?: number
}

export interface NextRunsOptions {
  /** How many fire times. Default `1`. */
  count?: number
  /** Fire times strictly after this. Default: now. */
  from?: Date
  /** The IANA zone the expression is read in. Default: the system's. */
  timeZone?: string
}

export interface JobStatus {
  mode: 'scheduled' | 'triggered' | 'continuous'
  enabled: boolean
  state: 'idle' | 'waiting' | 'running' | 'retrying' | 'disabled' | 'breakerOpen'
  /** Finished runs. */
  runs: number
  successes: number
  failures: number
  consecutiveFailures: number
  /** When its last run started. */
  lastRunAt: Date | null
  lastSuccessAt: Date | null
  lastError: string | null
  /** How long its last finished run took. */
  lastDurationMs: number | null
  /** Its next scheduled start, as the scheduler has armed it. */
  nextRunAt: Date | null
}

export interface OrchestratorStatus {
  state: 'stopped' | 'running' | 'stopping'
  /** Runs holding a slot (running, or waiting to retry). */
  running: number
  /** Runs waiting for a slot, a blocker or a dependency. */
  waiting: number
  /** Running, and no job failing, disabled by failures or with its breaker open. */
  healthy: boolean
  deadLetters: number
  jobs: Record<string, JobStatus>
  /** Only with the `cluster` option. */
  cluster?: OrchestratorClusterStatus
}

export interface DeadLetter<P = unknown> {
  id: number
  job: string
  runId: number
  /** What the failed run was called with. */
  payload: P
  /** The run's last error. */
  error: unknown
  attempts: number
  failedAt: Date
}

export interface JobStartEvent {
  job: string
  runId: number
  attempt: number
  trigger: JobTrigger
  scheduledAt: Date | null
}
export interface JobSuccessEvent<R = unknown> {
  job: string
  runId: number
  durationMs: number
  result: R
}
export interface JobFailureEvent {
  job: string
  runId: number
  attempt: number
  error: unknown
  /** `false`: the run has failed (its retries are spent). */
  willRetry: boolean
  /** Across replicas: `'replicaLost'` when the replica running the attempt died or lost the lead. */
  reason?: 'replicaLost'
}
/** Across replicas: the options a job runs with changed (the most recently started replica's win). */
export interface DefinitionChangeEvent {
  job: string
  /** The options as this replica knew them, and as every replica runs the job now (resolved: `everyMs`, `cron`, ...). */
  from: Record<string, unknown>
  to: Record<string, unknown>
}
export interface JobSkippedEvent {
  job: string
  reason: JobSkipReason
}
export interface JobDisabledEvent {
  job: string
  consecutiveFailures: number
}
export interface DeadLetterEvent {
  id: number
  job: string
  runId: number
  error: unknown
}

/**
 * Named jobs run on a pool's workers: on a schedule, on demand or back to back, with
 * dependencies, mutual exclusion, priorities, retries, auto-disable, a breaker and dead
 * letters. It does not own the pool: `stop()` leaves the pool running. A listener that
 * throws never breaks it: its error becomes a process warning (`OrchestratorListenerWarning`).
 */
export declare class Orchestrator extends EventEmitter {
  constructor(pool: ParallelProcessor, options?: OrchestratorOptions)

  /** The next fire times of a cron expression, by the scheduler's own engine. */
  static nextRuns(cron: string, options?: NextRunsOptions): Date[]

  /** Adds a job (also on a started orchestrator). Throws on invalid options, a duplicate name or a bad cron expression. */
  register<P = any>(jobName: string, options?: JobOptions<P>): this
  /** Stops scheduling a job: a running run finishes; its pending triggers reject with `JobNotFoundError`. */
  unregister(jobName: string): void
  /**
   * Enables a job, resetting its failure count and closing its breaker. Across replicas:
   * a promise, settled once the leader has applied it.
   */
  enable(jobName: string): void | Promise<void>
  /** Across replicas: a promise, settled once the leader has applied it. */
  disable(jobName: string): void | Promise<void>

  /** Starts scheduling. Rejects naming unknown `dependsOn` names and cycles. Idempotent. */
  start(): Promise<void>
  /**
   * No new runs; running ones finish, and are aborted after `timeoutMs`. Idempotent;
   * every promise the orchestrator handed out has settled when it resolves.
   */
  stop(options?: StopOptions): Promise<void>
  /**
   * Runs the job now, ignoring its schedule and `dependsOn` (but not `blocks` or
   * `maxConcurrentJobs`), even when disabled. Resolves with the run's result; rejects with
   * `JobBusyError`, `JobNotFoundError`, `OrchestratorStoppedError` or the run's own error.
   */
  trigger<R = unknown>(jobName: string, payload?: unknown): Promise<R>
  status(): OrchestratorStatus
  /** The Prometheus text of this orchestrator alone (its pool's `metrics()` includes it). */
  metrics(): string
  /** Failed runs, oldest first (the oldest dropped beyond `deadLetterLimit`). */
  deadLetters(): DeadLetter[]
  /** Runs a dead letter again with its payload; it is removed if the run succeeds. */
  retryDeadLetter<R = unknown>(id: number): Promise<R>
  /** Across replicas: a promise, settled once the leader has applied it. */
  clearDeadLetters(): void | Promise<void>
  /** A started orchestrator stops holding the process open. */
  unref(): this
  /** A started orchestrator holds the process open again (the default). */
  ref(): this

  on(event: 'jobStart', listener: (event: JobStartEvent) => void): this
  on(event: 'jobSuccess', listener: (event: JobSuccessEvent) => void): this
  on(event: 'jobFailure', listener: (event: JobFailureEvent) => void): this
  on(event: 'jobSkipped', listener: (event: JobSkippedEvent) => void): this
  on(event: 'jobDisabled', listener: (event: JobDisabledEvent) => void): this
  on(event: 'breakerOpen' | 'breakerClose', listener: (event: { job: string }) => void): this
  on(event: 'deadLetter', listener: (event: DeadLetterEvent) => void): this
  on(event: 'definitionChange', listener: (event: DefinitionChangeEvent) => void): this
  on(event: 'clusterDown', listener: (event: { error: ClusterUnavailableError }) => void): this
  on(event: 'clusterUp', listener: (event: {}) => void): this
  on(event: string | symbol, listener: (...args: any[]) => void): this
  once(event: 'jobStart', listener: (event: JobStartEvent) => void): this
  once(event: 'jobSuccess', listener: (event: JobSuccessEvent) => void): this
  once(event: 'jobFailure', listener: (event: JobFailureEvent) => void): this
  once(event: 'jobSkipped', listener: (event: JobSkippedEvent) => void): this
  once(event: 'jobDisabled', listener: (event: JobDisabledEvent) => void): this
  once(event: 'breakerOpen' | 'breakerClose', listener: (event: { job: string }) => void): this
  once(event: 'deadLetter', listener: (event: DeadLetterEvent) => void): this
  once(event: 'definitionChange', listener: (event: DefinitionChangeEvent) => void): this
  once(event: 'clusterDown', listener: (event: { error: ClusterUnavailableError }) => void): this
  once(event: 'clusterUp', listener: (event: {}) => void): this
  once(event: string | symbol, listener: (...args: any[]) => void): this
}

export declare class JobBusyError extends ProcessorError {
  readonly code: 'ERR_JOB_BUSY'
  readonly job: string
}
export declare class JobNotFoundError extends ProcessorError {
  readonly code: 'ERR_JOB_NOT_FOUND'
  readonly job?: string
}
export declare class OrchestratorStoppedError extends ProcessorError {
  readonly code: 'ERR_ORCHESTRATOR_STOPPED'
}

/**
 * Marks a value to be moved rather than copied, and returns it:
 * `execute(move(bytes))` on the caller (a `transferList` of its whole
 * underlying buffer), `return move(result)` in a handler. An ArrayBuffer, a
 * typed array, a Buffer, a DataView or a MessagePort.
 */
export declare function move<T extends ArrayBuffer | ArrayBufferView | import('node:worker_threads').MessagePort>(value: T): T

/** `true` inside a worker of a pool, `false` elsewhere. */
export declare const isWorker: boolean
/** Inside a worker: the pool's `workerData`. */
export declare const workerData: unknown
