// A CommonJS user of the pool, written as the README shows it: every option
// of the constructor, execute() and close(), every member, every stats field,
// every event with its listener's arguments. Compiled, never run.
import pp = require('parallel-processor')
import { ParallelProcessor, move } from 'parallel-processor'
import type {
  ClusterOptions,
  ClusterStats,
  CloseOptions,
  ExecuteOptions,
  ProcessorOptions,
  ProcessorStats,
  TimeSummary,
  WorkerCreateEvent,
  WorkerExitEvent,
  WorkerRetireEvent,
  WorkerStats,
} from 'parallel-processor'
import { MessageChannel } from 'node:worker_threads'
import { exactly } from './helpers'

declare const controller: AbortController

// `import x = require()` and named imports are the same values.
exactly<typeof ParallelProcessor>()(pp.ParallelProcessor)
exactly<typeof move>()(pp.move)

async function construction(): Promise<void> {
  // The two forms of the constructor.
  const fixed = new ParallelProcessor(4, { filename: require.resolve('./pool') })
  const byOptions = new ParallelProcessor({ workers: 4, filename: '/abs/task.js' })
  const defaults = new ParallelProcessor()
  exactly<ParallelProcessor>()(fixed)
  void byOptions
  void defaults

  // Every constructor option.
  const cluster: ClusterOptions = {
    redis: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    queue: 'thumbnails',
    visibilityTimeoutMs: 30_000,
    heartbeatMs: 1000,
    maxDeliveries: 3,
    deadLetterLimit: 10000,
    resultTtlMs: 3_600_000,
    connectTimeoutMs: 5000,
  }
  const options: ProcessorOptions = {
    workers: 4,
    filename: new URL('file:///abs/task.mjs'),
    kind: 'process',
    stdio: 'prefix',
    taskTimeoutMs: 0,
    maxQueue: Infinity,
    maxQueueWaitMs: 0,
    restartBackoffMs: { initial: 100, max: 5000 },
    abortGraceMs: 1000,
    maxTasksPerWorker: 1000,
    maxWorkerMemoryMb: 512,
    concurrentTasksPerWorker: 1,
    workerData: { anything: [1, 2, 3] },
    env: { ...process.env, MODE: 'worker' },
    execArgv: ['--enable-source-maps'],
    argv: ['--verbose', 3, true],
    resourceLimits: { maxOldGenerationSizeMb: 256, maxYoungGenerationSizeMb: 32, stackSizeMb: 4, codeRangeSizeMb: 16 },
    niceIncrement: 5,
    cluster,
    telemetry: false,
  }
  void new ParallelProcessor(options)
  // A dynamic pool; `env` may be Node's SHARE_ENV; the other kinds and stdio modes.
  void new ParallelProcessor({ minWorkers: 0, maxWorkers: 8, idleTimeoutMs: 10_000, kind: 'thread' })
  void new ParallelProcessor({ env: require('node:worker_threads').SHARE_ENV as symbol, stdio: 'inherit' })
  void new ParallelProcessor({ kind: 'process', stdio: 'ignore', restartBackoffMs: { max: 50 } })
  // A node that only submits.
  void new ParallelProcessor(0, { cluster: { redis: 'rediss://app:secret@host:6380/0', queue: 'q' } })
  void new ParallelProcessor(0, { cluster: { redis: 'rediss://host', queue: 'q', ca: '-----BEGIN CERTIFICATE-----' } })
  void new ParallelProcessor(0, { cluster: { redis: 'rediss://host', queue: 'q', ca: [Buffer.from(''), 'pem'] } })
  // @ts-expect-error a CA is PEM text or bytes
  void new ParallelProcessor(0, { cluster: { redis: 'rediss://host', queue: 'q', ca: 42 } })

  // @ts-expect-error: an unknown kind
  void new ParallelProcessor({ kind: 'fiber' })
  // @ts-expect-error: `workers` is a number
  void new ParallelProcessor({ workers: '4' })
  // @ts-expect-error: an unknown stdio mode
  void new ParallelProcessor({ kind: 'process', stdio: 'pipe' })
  // @ts-expect-error: `filename` is a path or a URL
  void new ParallelProcessor({ filename: 42 })
  // @ts-expect-error: `telemetry` is a boolean
  void new ParallelProcessor({ telemetry: 'off' })
  // @ts-expect-error: `niceIncrement` is a number
  void new ParallelProcessor({ niceIncrement: 'low' })
  // @ts-expect-error: a misspelt option
  void new ParallelProcessor({ worker: 4 })
  // @ts-expect-error: `cluster` needs `queue`
  void new ParallelProcessor({ cluster: { redis: 'redis://127.0.0.1:6379' } })
  // @ts-expect-error: `restartBackoffMs` is an object
  void new ParallelProcessor({ restartBackoffMs: 100 })
  // @ts-expect-error: `abortGraceMs` is a number of ms
  void new ParallelProcessor({ abortGraceMs: '1s' })
}

async function execution(pool: ParallelProcessor): Promise<void> {
  // Results are `unknown` unless the caller says what they are.
  exactly<Promise<unknown>>()(pool.execute({ path: 'a.png', width: 100 }))
  exactly<Promise<number>>()(pool.execute<number>(30, { name: 'fib', timeoutMs: 5000 }))
  exactly<Promise<unknown>>()(pool.execute())

  const { port1, port2 } = new MessageChannel()
  const bytes = new Uint8Array(1024)
  const options: ExecuteOptions = {
    name: 'resize',
    filename: '/abs/other.js',
    timeoutMs: 5000,
    priority: 10,
    signal: controller.signal,
    retries: 2,
    transferList: [bytes.buffer, port2],
  }
  await pool.execute({ bytes, port: port2 }, options)
  await pool.execute(1, { signal: null, filename: new URL('file:///abs/other.mjs') })
  port1.close()

  // move(): a buffer, a typed array, a Buffer, a DataView or a port; it returns its argument.
  exactly<Uint8Array<ArrayBuffer>>()(move(bytes))
  exactly<Buffer<ArrayBuffer>>()(move(Buffer.alloc(64 * 1024 * 1024, 1)))
  exactly<ArrayBuffer>()(move(new ArrayBuffer(8)))
  exactly<DataView<ArrayBuffer>>()(move(new DataView(new ArrayBuffer(8))))
  void move(new MessageChannel().port1)
  const inverted = await pool.execute<Uint8Array>(move(bytes), { name: 'invert' })
  exactly<number>()(inverted[0])

  // @ts-expect-error: timeoutMs is a number
  await pool.execute(1, { timeoutMs: '5s' })
  // @ts-expect-error: priority is a number, not a job priority name
  await pool.execute(1, { priority: 'high' })
  // @ts-expect-error: a typed array is not transferable: its buffer is
  await pool.execute(bytes, { transferList: [bytes] })
  // @ts-expect-error: a misspelt option
  await pool.execute(1, { timeout: 5000 })
  // @ts-expect-error: strings cannot be moved
  move('text')
}

async function lifecycle(pool: ParallelProcessor): Promise<void> {
  exactly<Promise<void>>()(pool.dispose())
  exactly<Promise<void>>()(pool.close())
  const closeOptions: CloseOptions = { timeoutMs: Infinity }
  exactly<Promise<void>>()(pool.close(closeOptions))
  exactly<Promise<void>>()(pool.recycleWorkers())
  exactly<Promise<void>>()(pool[Symbol.asyncDispose]())
  {
    await using scoped = new ParallelProcessor(2, { filename: '/abs/task.js' })
    await scoped.execute(1)
  }

  exactly<number>()(pool.size)
  exactly<number>()(pool.queueSize)
  exactly<number>()(pool.running)
  exactly<boolean>()(pool.disposed)
  exactly<string | null>()(pool.filename)
  exactly<number>()(pool.taskTimeoutMs)

  exactly<Promise<void>>()(pool.close({ force: true }))
  exactly<Promise<void>>()(pool.close({ force: false, timeoutMs: 1000 }))
  // @ts-expect-error: `force` is a boolean
  await pool.close({ force: 'yes' })
  // @ts-expect-error: not an option of close()
  await pool.close({ graceful: true })
  // @ts-expect-error: the introspection members are read-only
  pool.size = 3
  exactly<string>()(pool.metrics())
  // @ts-expect-error: metrics() takes no options
  pool.metrics({ format: 'json' })
}

function introspection(pool: ParallelProcessor): void {
  const stats = pool.stats()
  exactly<ProcessorStats>()(stats)
  exactly<number>()(stats.queued)
  exactly<number>()(stats.running)
  exactly<number>()(stats.completed)
  exactly<number>()(stats.failed)
  exactly<number>()(stats.timedOut)
  exactly<number>()(stats.queueTimedOut)
  exactly<number>()(stats.aborted)
  exactly<number>()(stats.retried)
  exactly<number>()(stats.retired)
  exactly<number>()(stats.crashed)
  exactly<number>()(stats.workersStarted)
  exactly<number>()(stats.workersExited)
  exactly<number>()(stats.utilization)
  for (const summary of [stats.waitTime, stats.runTime]) {
    exactly<TimeSummary>()(summary)
    const { count, min, mean, p50, p90, p99, max, stddev } = summary
    exactly<number[]>()([count, min, mean, p50, p90, p99, max, stddev])
  }

  const worker = stats.workers[0]
  exactly<WorkerStats>()(worker)
  exactly<number>()(worker.id)
  exactly<'starting' | 'idle' | 'busy' | 'retiring' | 'exited'>()(worker.state)
  exactly<number | undefined>()(worker.threadId)
  exactly<number | undefined>()(worker.pid)
  exactly<number>()(worker.running)
  exactly<number>()(worker.completed)
  exactly<number>()(worker.failed)
  exactly<number>()(worker.tasksSinceStart)
  exactly<number>()(worker.restarts)
  exactly<number | undefined>()(worker.heapUsedMb)
  exactly<number | undefined>()(worker.rssMb)

  // Cluster pools only.
  exactly<ClusterStats | undefined>()(stats.cluster)
  if (stats.cluster !== undefined) {
    const { nodeId, nodes, queued, pending, deadLetters, lanes, redelivered } = stats.cluster
    exactly<string>()(nodeId)
    exactly<number[]>()([queued, pending, deadLetters, redelivered])
    for (const lane of lanes) exactly<number[]>()([lane.priority, lane.queued, lane.pending])
    for (const node of nodes) {
      exactly<string>()(node.id)
      exactly<number>()(node.workers)
      exactly<number>()(node.lastSeenMs)
    }
  }

  // @ts-expect-error: not a field of stats()
  void stats.idle
  // @ts-expect-error: `cluster` is there only for cluster pools
  void stats.cluster.nodeId
  // @ts-expect-error: a thread worker has no pid, a process worker no threadId
  void worker.pid.toFixed()
  // @ts-expect-error: not a worker state
  if (worker.state === 'stopped') return
}

function events(pool: ParallelProcessor): void {
  // Each listener's argument, exactly as documented.
  const chained: ParallelProcessor = pool
    .on('workerCreate', (event) => {
      exactly<WorkerCreateEvent>()(event)
      exactly<number>()(event.id)
    })
    .on('workerExit', (event) => {
      exactly<WorkerExitEvent>()(event)
      const { id, exitCode, signal, reason, error } = event
      exactly<number>()(id)
      // what killed it, if anything did
      exactly<unknown>()(error)
      // null when a signal killed the worker
      exactly<number | null>()(exitCode)
      exactly<string | null>()(signal)
      exactly<'crash' | 'timeout' | 'abort' | 'retire' | 'idle' | 'dispose' | 'startFailure'>()(reason)
    })
    .on('workerRetire', (event) => {
      exactly<WorkerRetireEvent>()(event)
      exactly<number>()(event.id)
      exactly<'maxTasks' | 'memory' | 'recycle'>()(event.reason)
    })
    .on('drain', () => {})
    .on('breakerOpen', (event) => exactly<unknown>()(event.cause))
    .on('breakerClose', () => {})
    .on('message', (message, from) => {
      exactly<unknown>()(message)
      exactly<number>()(from.workerId)
    })
  void chained

  pool.once('workerCreate', ({ id }) => exactly<number>()(id))
  pool.once('workerExit', ({ reason }) => exactly<WorkerExitEvent['reason']>()(reason))
  pool.once('workerRetire', ({ reason }) => exactly<WorkerRetireEvent['reason']>()(reason))
  pool.once('drain', () => {})
  pool.once('breakerOpen', ({ cause }) => exactly<unknown>()(cause))
  pool.once('breakerClose', () => {})
  pool.once('message', (message, from) => {
    exactly<unknown>()(message)
    exactly<number>()(from.workerId)
  })
  pool.off('drain', () => {})

  // @ts-expect-error: not a reason of 'workerExit'
  pool.on('workerExit', ({ reason }) => reason === 'killed')
  // @ts-expect-error: 'workerRetire' has no exitCode
  pool.on('workerRetire', ({ exitCode }) => exitCode)
  // @ts-expect-error: 'workerCreate' carries { id }
  pool.on('workerCreate', ({ workerId }) => workerId)
}

void construction
void execution
void lifecycle
void introspection
void events
