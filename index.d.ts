import { EventEmitter } from 'node:events'
import type { ResourceLimits } from 'node:worker_threads'

export interface ProcessorOptions {
  /** Number of workers of a fixed pool, an integer from 1 to 1024. Default: `os.availableParallelism()`. */
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
}

/** The second argument of a handler. */
export interface TaskContext {
  taskId: string
  workerId: number
  signal: AbortSignal
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
}

export interface WorkerCreateEvent {
  id: number
}

export interface WorkerExitEvent {
  id: number
  exitCode: number
  signal: string | null
  /** Why it left. */
  reason: 'crash' | 'timeout' | 'abort' | 'retire' | 'idle' | 'dispose' | 'startFailure'
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
  /** Refuses new tasks, lets queued and running ones finish, then disposes (or disposes after `timeoutMs`). */
  close(options?: CloseOptions): Promise<void>
  /**
   * Retires every current worker gracefully: each finishes what it runs, takes
   * no new task, and leaves once its replacement is ready. Resolves when all have left.
   */
  recycleWorkers(): Promise<void>
  [Symbol.asyncDispose](): Promise<void>
  stats(): ProcessorStats

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
