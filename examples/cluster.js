'use strict'

// Two nodes and a submitter sharing one queue on a local Redis; one node is
// killed (SIGKILL) while it runs tasks, and every task is still accounted
// for: the other node takes back what the dead one held.
// Run with `npm run example:cluster` (REDIS_URL, default redis://127.0.0.1:6379).
const { fork } = require('node:child_process')
const { ParallelProcessor } = require('..')

const REDIS = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'
const TASKS = 400
// Quick failure detection for the demonstration: dead after 3 x 200 ms.
const cluster = { redis: REDIS, queue: 'parallel-processor-example', heartbeatMs: 200, visibilityTimeoutMs: 5000 }

if (process.argv[2] === 'node') {
  // A node: two workers serving the queue until told to leave.
  const pool = new ParallelProcessor(2, { filename: require.resolve('./cluster-task.js'), cluster: JSON.parse(process.argv[3]) })
  process.on('message', () => pool.dispose().then(() => process.disconnect()))
  process.send('ready')
} else {
  main().catch((error) => {
    console.error(error)
    process.exitCode = 1
  })
}

function startNode(name) {
  const child = fork(__filename, ['node', JSON.stringify(cluster)], { env: { ...process.env, NODE_NAME: name } })
  return new Promise((resolve) => child.once('message', () => resolve(child)))
}

async function main() {
  const nodes = { a: await startNode('a'), b: await startNode('b') }
  // This process only submits (workers: 0).
  const submitter = new ParallelProcessor(0, { cluster })
  const started = Date.now()
  const settled = Array.from({ length: TASKS }, (_, i) => submitter.execute({ image: `img-${i}.jpg` }).then(
    (result) => ({ ok: true, result }),
    (error) => ({ ok: false, error }),
  ))
  setTimeout(() => {
    console.log('killing node a (SIGKILL) mid-run')
    nodes.a.kill('SIGKILL')
  }, 1000)
  const outcomes = await Promise.all(settled)
  const ok = outcomes.filter((o) => o.ok)
  const byNode = {}
  for (const { result } of ok) byNode[result.node] = (byNode[result.node] ?? 0) + 1
  const redelivered = ok.filter((o) => o.result.delivery > 1).length
  console.log(`${TASKS} tasks in ${Date.now() - started} ms: ${ok.length} done, ${TASKS - ok.length} failed`)
  console.log('done by node:', byNode)
  console.log(`taken back from the dead node and run again: ${redelivered}`)
  // The figures are as of the last heartbeat: wait for one.
  await new Promise((resolve) => setTimeout(resolve, 2 * cluster.heartbeatMs))
  const { nodes: live, queued, pending, deadLetters } = submitter.stats().cluster
  console.log(`queue: ${live.length} nodes alive, ${queued} queued, ${pending} pending, ${deadLetters} dead letters`)
  nodes.b.send('leave')
  await new Promise((resolve) => nodes.b.once('exit', resolve))
  await submitter.dispose()
}
