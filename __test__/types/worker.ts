// A worker module in TypeScript (CommonJS), as the README's "The worker
// module" and "Big data" show it: handlers and their `ctx`, `isWorker`,
// `workerData` and `move()` on the worker's side. Compiled, never run.
import { isWorker, move, workerData } from 'parallel-processor'
import type { Handler, JobInfo, TaskContext } from 'parallel-processor'
import { exactly } from './helpers'

exactly<boolean>()(isWorker)
exactly<unknown>()(workerData)
if (isWorker) {
  const { region } = workerData as { region: string }
  void region
}

// The default export: `handler(payload, ctx)`.
const resize: Handler<{ path: string; width: number }, { path: string; width: number; done: boolean }> = async ({ path, width }, ctx) => {
  exactly<TaskContext>()(ctx)
  exactly<string>()(ctx.taskId)
  exactly<number>()(ctx.workerId)
  exactly<AbortSignal>()(ctx.signal)
  ctx.signal.throwIfAborted()
  // Set for runs of an Orchestrator job.
  exactly<JobInfo | undefined>()(ctx.job)
  if (ctx.job !== undefined) {
    const { name, runId, attempt, trigger } = ctx.job
    exactly<string>()(name)
    exactly<number>()(runId)
    exactly<number>()(attempt)
    exactly<'schedule' | 'manual' | 'dependency' | 'retry' | 'continuous'>()(trigger)
  }
  // Cluster pools: how many times the task has been delivered.
  exactly<number | undefined>()(ctx.delivery)
  return { path, width, done: true }
}

// A named export, synchronous.
function fib(n: number): number {
  return n < 2 ? n : fib(n - 1) + fib(n - 2)
}
const fibHandler: Handler<number, number> = fib

// A result moved back to the caller, not copied.
const invert: Handler<Uint8Array<ArrayBuffer>, Uint8Array<ArrayBuffer>> = (bytes) => {
  for (let i = 0; i < bytes.length; i++) bytes[i] = 255 - bytes[i]
  return move(bytes)
}

// A module that initializes first exports a promise of its handler.
const initialized: Promise<Handler> = (async () => resize as Handler)()

const handlers = { resize, fib: fibHandler, invert, initialized }
export = handlers

// @ts-expect-error: isWorker is a constant
isWorker = true
// @ts-expect-error: workerData is unknown until the module says what it is
void workerData.region
// @ts-expect-error: ctx.job is set only for job runs
const unchecked: Handler = (payload, ctx) => ctx.job.name
void unchecked
// @ts-expect-error: ctx.taskId is a string
const wrongId: Handler = (payload, ctx) => ctx.taskId.toFixed()
void wrongId
