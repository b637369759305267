'use strict'

/**
 * One node of the cluster group, in a process of its own:
 * `cluster-node.js <system> <redis url> <queue> <workers>`. parallel-processor:
 * a pool of `workers` thread workers on the queue. BullMQ: a Worker with
 * `concurrency: workers` running its sandboxed processor in worker threads.
 * Says 'ready' once serving; runs until killed.
 */
const path = require('node:path')

const [system, url, queue, workers] = process.argv.slice(2)

async function start() {
  if (system === 'parallel-processor') {
    const { ParallelProcessor } = require('../..')
    const pool = new ParallelProcessor(Number(workers), {
      filename: path.join(__dirname, 'cluster-task.js'),
      cluster: { redis: url, queue },
    })
    const { nodeId } = pool.stats().cluster
    while (!pool.stats().cluster.nodes.some((node) => node.id === nodeId)) await new Promise((resolve) => setTimeout(resolve, 20))
    return
  }
  const { Worker } = require('bullmq')
  const { hostname, port } = new URL(url)
  const worker = new Worker(queue, path.join(__dirname, 'bullmq-task.js'), {
    connection: { host: hostname, port: Number(port) },
    concurrency: Number(workers),
    useWorkerThreads: true,
  })
  await worker.waitUntilReady()
}

// A node serves until stopped: it goes when the process that started it does.
process.on('disconnect', () => process.exit(0))
start().then(() => process.send('ready'))
