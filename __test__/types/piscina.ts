// The piscina entry as code written for piscina uses it (docs/coming-from.md):
// options, run, move, events, figures, close and destroy. Compiled, never run.
import Piscina = require('parallel-processor/piscina')
import type { HistogramSummary, Options, PiscinaWorker, RunOptions } from 'parallel-processor/piscina'
import { AbortError } from 'parallel-processor'
import { exactly } from './helpers'

const options: Options = { filename: __filename, minThreads: 1, maxThreads: 4, idleTimeout: 1000, maxQueue: 'auto', niceIncrement: 5, closeTimeout: 100 }
const pool = new Piscina<number, string>(options)
const result: Promise<string> = pool.run(1, { name: 'double', signal: new AbortController().signal })
exactly<Promise<string>>()(result)
const run: RunOptions = { transferList: [new ArrayBuffer(1)], filename: __filename }
void pool.run(2, run)
void pool.runTask(3, [new ArrayBuffer(1)], __filename)

const bytes = new Uint8Array(4)
const buffer = Piscina.move(bytes)
exactly<typeof bytes>()(buffer)
exactly<boolean>()(Piscina.isWorkerThread)
exactly<typeof Piscina>()(Piscina.Piscina)
const aborted: AbortError = new Piscina.AbortError('reason')
void aborted

pool.on('workerCreate', (worker: PiscinaWorker) => worker.threadId)
pool.on('message', (message) => message)
pool.once('drain', () => undefined)
exactly<number>()(pool.queueSize)
exactly<boolean>()(pool.needsDrain)
exactly<HistogramSummary | null>()(pool.runTime)
exactly<HistogramSummary>()(pool.histogram.waitTime)
exactly<PiscinaWorker[]>()(pool.threads)
void pool.close({ force: true }).then(() => pool.destroy())

// @ts-expect-error maxQueue is a number or 'auto'
void new Piscina({ maxQueue: 'never' })
// @ts-expect-error force is a boolean
void pool.close({ force: 1 })
