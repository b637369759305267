/**
 * `require('parallel-processor/piscina')` / `import Piscina from
 * 'parallel-processor/piscina'`: piscina 4 and 5's `Piscina` over
 * ParallelProcessor (docs/coming-from.md). Written by hand; checked by
 * __test__/types/piscina.ts.
 */
import { EventEmitterAsyncResource } from 'node:events'
import type { MessagePort, ResourceLimits, Worker } from 'node:worker_threads'
import type { AbortError as PoolAbortError } from './index.js'

declare class Piscina<T = any, R = any> extends EventEmitterAsyncResource {
  constructor(options?: Piscina.Options)
  run(task: T, options?: Piscina.RunOptions): Promise<R>
  /** @deprecated piscina 3's form: use run(task, options). */
  runTask(task: T, transferList?: Piscina.TransferList | string | Piscina.AbortSignalLike, filename?: string | Piscina.AbortSignalLike, signal?: Piscina.AbortSignalLike): Promise<R>
  close(options?: Piscina.CloseOptions): Promise<void>
  destroy(): Promise<void>
  [Symbol.asyncDispose](): Promise<void>

  readonly options: Piscina.FilledOptions
  readonly maxThreads: number
  readonly minThreads: number
  readonly threads: Piscina.PiscinaWorker[]
  readonly idleThreads: number
  readonly queueSize: number
  readonly completed: number
  readonly duration: number
  readonly utilization: number
  readonly needsDrain: boolean
  /** piscina 4; null with `recordTiming: false`. */
  readonly runTime: Piscina.HistogramSummary | null
  readonly waitTime: Piscina.HistogramSummary | null
  /** piscina 5. */
  readonly histogram: Piscina.PiscinaHistogram

  on(event: 'message', listener: (message: any) => void): this
  on(event: 'error', listener: (error: Error) => void): this
  on(event: 'drain' | 'needsDrain' | 'close', listener: () => void): this
  on(event: 'workerCreate' | 'workerDestroy', listener: (worker: Piscina.PiscinaWorker) => void): this
  on(event: string | symbol, listener: (...args: any[]) => void): this
  once(event: 'message', listener: (message: any) => void): this
  once(event: 'error', listener: (error: Error) => void): this
  once(event: 'drain' | 'needsDrain' | 'close', listener: () => void): this
  once(event: 'workerCreate' | 'workerDestroy', listener: (worker: Piscina.PiscinaWorker) => void): this
  once(event: string | symbol, listener: (...args: any[]) => void): this
}

declare namespace Piscina {
  export type TransferListItem = ArrayBuffer | MessagePort
  export type TransferList = TransferListItem[]
  /** An AbortSignal, or an EventEmitter that emits 'abort' (piscina takes both). */
  export type AbortSignalLike = AbortSignal | { once(event: 'abort', listener: () => void): unknown; off?(event: 'abort', listener: () => void): unknown }

  export interface Options {
    filename?: string | null
    name?: string
    minThreads?: number
    maxThreads?: number
    idleTimeout?: number
    maxQueue?: number | 'auto'
    concurrentTasksPerWorker?: number
    /** Accepted, ignored: the pool's workers wait on their port, not on Atomics. */
    useAtomics?: boolean
    atomics?: 'sync' | 'async' | 'disabled'
    resourceLimits?: ResourceLimits
    argv?: string[]
    execArgv?: string[]
    env?: NodeJS.ProcessEnv | typeof import('node:worker_threads').SHARE_ENV
    workerData?: any
    /** piscina's TaskQueue; only its FixedQueue or ArrayTaskQueue are taken (the pool's own FIFO order): another throws a TypeError. */
    taskQueue?: TaskQueue
    niceIncrement?: number
    /** Accepted, ignored: Node's default (true) applies. */
    trackUnmanagedFds?: boolean
    closeTimeout?: number
    recordTiming?: boolean
    /** Accepted, ignored. */
    stricterFIFO?: boolean
    /** Accepted, ignored. */
    workerHistogram?: boolean
  }

  export interface FilledOptions extends Options {
    filename: string | null
    name: string
    minThreads: number
    maxThreads: number
    idleTimeout: number
    maxQueue: number
    concurrentTasksPerWorker: number
    niceIncrement: number
    closeTimeout: number
    recordTiming: boolean
  }

  export interface RunOptions {
    transferList?: TransferList
    filename?: string | null
    signal?: AbortSignalLike | null
    name?: string | null
  }

  export interface CloseOptions {
    /** Queued tasks reject at once; running ones finish. */
    force?: boolean
  }

  export interface HistogramSummary {
    average: number; mean: number; stddev: number; min: number; max: number
    p0_001: number; p0_01: number; p0_1: number; p1: number; p2_5: number; p10: number; p25: number
    p50: number; p75: number; p90: number; p97_5: number; p99: number; p99_9: number; p99_99: number; p99_999: number
  }

  export interface PiscinaHistogram {
    readonly runTime: HistogramSummary
    readonly waitTime: HistogramSummary
    resetRunTime(): void
    resetWaitTime(): void
  }

  /** A worker of the pool, as `threads` and the 'workerCreate'/'workerDestroy' events give it. */
  export interface PiscinaWorker extends Pick<Worker, 'threadId'> {
    readonly id: number
    readonly currentUsage: number
    readonly terminating: boolean
    readonly destroyed: boolean
    ref(): this
    unref(): this
  }

  /** piscina's Transferable protocol: a value, and the memory in it to move. */
  export interface Transferable {
    readonly [transferableSymbol]: object
    readonly [valueSymbol]: object
  }

  /**
   * A task as piscina's TaskQueue holds it (the pool keeps its own queue: see
   * taskQueue): `[queueOptionsSymbol]` is the caller's own options object, or
   * null. Optional here: the queues below take any object.
   */
  export interface Task {
    readonly [queueOptionsSymbol]?: any
  }
  export interface PiscinaTask extends Task {
    readonly taskId: number
    readonly filename: string
    readonly name: string
    readonly created: number
    readonly isAbortable: boolean
  }
  export interface TaskQueue {
    readonly size: number
    shift(): Task | null
    remove(task: Task): void
    push(task: Task): void
  }

  export class ArrayTaskQueue implements TaskQueue {
    readonly size: number
    isEmpty(): boolean
    shift(): Task | null
    push(task: Task): void
    remove(task: Task): void
  }
  export class FixedQueue extends ArrayTaskQueue {}

  /** Rejections of aborted tasks: piscina's message, and the pool's AbortError. */
  export class AbortError extends PoolAbortError {}

  /** Also the static properties of the class. */
  export const isWorkerThread: boolean
  export const workerData: any
  export const version: string
  export const transferableSymbol: unique symbol
  export const valueSymbol: unique symbol
  export const queueOptionsSymbol: unique symbol
  /** Marks a buffer, typed array or port to be moved; a Transferable gives its value, its part marked. */
  export function move<V>(value: V): V
  export const PiscinaExport: typeof Piscina
  export { PiscinaExport as Piscina }
}

export = Piscina
