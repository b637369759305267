'use strict'

// The worker module of examples/orchestrator.js: each export is a job's
// handler, called with (payload, ctx); ctx.job says which run it is.
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

/** Pretends to download a batch of records. */
async function fetchData(payload, ctx) {
  await sleep(300 + Math.random() * 300)
  return { records: 100 + Math.floor(Math.random() * 50), run: ctx.job.runId }
}

/** CPU work on what was fetched: this is why it runs in a worker. */
function processData() {
  let sum = 0
  for (let i = 0; i < 1e8; i++) sum += Math.sqrt(i)
  return { checksum: Math.round(sum) }
}

/** Housekeeping that must not run while data is being processed. */
async function cleanup() {
  await sleep(700)
  return { removed: Math.floor(Math.random() * 10) }
}

/** A remote endpoint that is down: every attempt fails. */
async function upload(payload, ctx) {
  await sleep(50)
  throw new Error(`upload endpoint unreachable (attempt ${ctx.job.attempt})`)
}

module.exports = { fetchData, processData, cleanup, upload }
