'use strict'

/**
 * One replica of the replicas group, in a process of its own:
 * `replica.js <system> <redis url> <name> <jobs> <every ms>`. Each replica
 * registers the same `jobs` jobs, every `every` ms, as each replica of a
 * deployment would at boot. parallel-processor: an Orchestrator with
 * `cluster: { redis, name }` whose jobs are `run` functions (the main
 * thread, like BullMQ's inline processor). BullMQ: `upsertJobScheduler` for
 * every job, and a Worker (inline processor, concurrency 50).
 *
 * Each run records (job, the tick it serves, when its handler started).
 * Over IPC: 'ready' once started; on 'report' it sends its runs and its
 * CPU time since it was ready, then stops.
 */
const [system, url, name, jobCount, everyMs] = process.argv.slice(2)
const JOBS = Number(jobCount)
const EVERY = Number(everyMs)
const runs = []

async function start() {
  if (system === 'parallel-processor') {
    const { ParallelProcessor, Orchestrator } = require(process.env.BENCH_PACKAGE || '../..')
    const pool = new ParallelProcessor(1, { filename: require.resolve('./handlers.js') })
    const orchestrator = new Orchestrator(pool, { maxConcurrentJobs: JOBS, cluster: { redis: url, name } })
    for (let job = 0; job < JOBS; job++) {
      orchestrator.register(`job-${job}`, {
        every: EVERY,
        runOnStart: false,
        run: (payload, ctx) => {
          runs.push([ctx.job.name, ctx.job.scheduledAt.getTime(), Date.now(), ctx.job.attempt])
        },
      })
    }
    await orchestrator.start()
    return async () => {
      await orchestrator.stop({ timeoutMs: 1000 })
      await pool.dispose()
    }
  }
  const { Queue, Worker } = require('bullmq')
  const { hostname, port } = new URL(url)
  const connection = { host: hostname, port: Number(port) }
  const queue = new Queue(name, { connection, defaultJobOptions: { removeOnComplete: true, removeOnFail: true } })
  for (let job = 0; job < JOBS; job++) await queue.upsertJobScheduler(`job-${job}`, { every: EVERY }, { name: `job-${job}` })
  const worker = new Worker(name, async (job) => {
    // A scheduler's job id is `repeat:<scheduler>:<the tick's ms>`.
    const tick = Number(job.id.slice(job.id.lastIndexOf(':') + 1))
    runs.push([job.name, tick, Date.now(), job.attemptsMade + 1])
  }, { connection, concurrency: 50 })
  await worker.waitUntilReady()
  return async () => {
    await worker.close()
    await queue.close()
  }
}

let cpu
start().then((stop) => {
  cpu = process.cpuUsage()
  process.send('ready')
  process.on('message', async (message) => {
    if (message !== 'report') return
    const used = process.cpuUsage(cpu)
    const cpuMs = (used.user + used.system) / 1000
    const recorded = runs.splice(0)
    await stop()
    process.send({ runs: recorded, cpuMs }, () => process.exit(0))
  })
})
