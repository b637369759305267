// An ES module user: `import { ParallelProcessor } from 'parallel-processor'`
// (index.mjs at run time, index.d.ts for types), every named export, the
// default export (the CommonJS exports object), and an ESM worker module.
// Compiled, never run.
import pkg, {
  AbortError,
  ClusterUnavailableError,
  DeliveryLimitError,
  DisposedError,
  JobBusyError,
  JobNotFoundError,
  Orchestrator,
  OrchestratorStoppedError,
  ParallelProcessor,
  ProcessorError,
  QueueFullError,
  QueueTimeoutError,
  TimeoutError,
  WorkerCrashedError,
  WorkerStartError,
  isWorker,
  move,
  workerData,
} from 'parallel-processor'
import * as namespace from 'parallel-processor'
import type { ExecuteOptions, Handler, ProcessorStats, TaskContext } from 'parallel-processor'
import { exactly } from './helpers.js'

// The default export is the same object as the named exports.
exactly<typeof ParallelProcessor>()(pkg.ParallelProcessor)
exactly<typeof Orchestrator>()(namespace.Orchestrator)
exactly<typeof move>()(pkg.move)
exactly<boolean>()(pkg.isWorker)

const pool = new ParallelProcessor({ workers: 2, filename: new URL('./task.mjs', import.meta.url), kind: 'process', stdio: 'inherit' })
const controller = new AbortController()
const options: ExecuteOptions = { name: 'fib', timeoutMs: 5000, signal: controller.signal, priority: 1, retries: 1 }
exactly<number>()(await pool.execute<number>(30, options))
exactly<Uint8Array<ArrayBuffer>>()(await pool.execute<Uint8Array<ArrayBuffer>>(move(new Uint8Array(8)), { name: 'invert' }))
const stats: ProcessorStats = pool.stats()
exactly<number | undefined>()(stats.workers[0]?.pid)
pool.on('workerExit', ({ id, exitCode, signal, reason }) => console.log(id, exitCode, signal, reason))

const orchestrator = new Orchestrator(pool, { maxConcurrentJobs: 1 })
orchestrator.register('nightly', { cron: '0 2 * * *', timeZone: 'Europe/Berlin', name: 'invoices' })
await orchestrator.start()
await orchestrator.stop({ timeoutMs: 0 })

try {
  await pool.close({ timeoutMs: 1000 })
} catch (error) {
  if (error instanceof TimeoutError) exactly<number>()(error.timeoutMs)
  else if (error instanceof WorkerCrashedError) exactly<string | undefined>()(error.nodeId)
  else if (error instanceof DeliveryLimitError) exactly<number>()(error.deliveries)
  else if (error instanceof QueueTimeoutError) exactly<number>()(error.maxQueueWaitMs)
  else if (error instanceof JobBusyError) exactly<string>()(error.job)
  else if (error instanceof JobNotFoundError) exactly<string | undefined>()(error.job)
  else if (error instanceof AbortError || error instanceof WorkerStartError) exactly<unknown>()(error.cause)
  else if (error instanceof ProcessorError) exactly<string>()(error.code)
}
const classes: Array<typeof ProcessorError> = [
  ClusterUnavailableError,
  DisposedError,
  OrchestratorStoppedError,
  QueueFullError,
]
void classes
await pool.dispose()

// An ESM worker module: `export default` and named exports.
export default async function resize(payload: { path: string }, ctx: TaskContext): Promise<string> {
  if (isWorker) console.log(workerData)
  ctx.signal.throwIfAborted()
  return `${payload.path}:${ctx.taskId}:${ctx.workerId}:${ctx.delivery ?? 1}`
}
export const fib: Handler<number, number> = (n) => (n < 2 ? n : n)

// @ts-expect-error: there is no such export
import { Piscina } from 'parallel-processor'
void Piscina
// @ts-expect-error: an unknown kind
void new ParallelProcessor({ kind: 'worker' })
// @ts-expect-error: stats().cluster may be absent
void pool.stats().cluster.queued

// The dashboard's entry point, as an ES module: default and named export.
import dashboard, { dashboard as namedDashboard } from 'parallel-processor/dashboard'
import type { DashboardHandler } from 'parallel-processor/dashboard'
const dashboardHandler: DashboardHandler = dashboard({ title: 'esm' })
void dashboardHandler
void namedDashboard
