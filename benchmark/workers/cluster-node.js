'use strict'

/**
 * One node of the cluster group, in a process of its own:
 * `cluster-node.js <system> <redis url> <queue> <workers> [mode]`.
 * parallel-processor: a pool of `workers` thread workers on the queue, each
 * running up to `mode` tasks at once (1 by default).
 * BullMQ: a Worker of `concurrency: workers`, running the handler inline
 * (mode `inline`: in this process, BullMQ's usual setup) or as a sandboxed
 * processor in worker threads (mode `sandboxed`). Says 'ready' once serving; answers 'cpu' with its
 * `process.cpuUsage()`; runs until killed, or until the process that
 * started it goes: then it says so and leaves the queue before it exits.
 */
const path = require('node:path')

const [system, url, queue, workers, mode] = process.argv.slice(2)

async function start() {
  if (system === 'parallel-processor') {
    // BENCH_PACKAGE: another checkout of this package (a baseline).
    const { ParallelProcessor } = require(process.env.BENCH_PACKAGE || '../..')
    const pool = new ParallelProcessor(Number(workers), {
      filename: path.join(__dirname, 'cluster-task.js'),
      concurrentTasksPerWorker: Number(mode || 1),
      cluster: { redis: url, queue },
    })
    const { nodeId } = pool.stats().cluster
    while (!pool.stats().cluster.nodes.some((node) => node.id === nodeId)) await new Promise((resolve) => setTimeout(resolve, 20))
    return () => pool.dispose()
  }
  const { Worker } = require('bullmq')
  const { hostname, port } = new URL(url)
  const processor = mode === 'sandboxed' ? path.join(__dirname, 'bullmq-task.js') : require('./bullmq-task.js')
  const worker = new Worker(queue, processor, {
    connection: { host: hostname, port: Number(port) },
    concurrency: Number(workers),
    useWorkerThreads: mode === 'sandboxed',
  })
  await worker.waitUntilReady()
  return () => worker.close()
}

let stop = async () => {}
process.on('disconnect', () => {
  console.error(`${system} node: the process that started it is gone; it leaves the queue and exits`)
  setTimeout(() => process.exit(1), 10000).unref()
  stop().finally(() => process.exit(0))
})
process.on('message', (message) => {
  if (message === 'cpu') process.send({ cpu: process.cpuUsage() })
})
start().then((stopper) => {
  stop = stopper
  process.send('ready')
})
