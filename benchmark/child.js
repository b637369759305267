'use strict'

// Runs one workload against one pool in this (fresh) process and prints the
// measurements as JSON: `node child.js <pool> <workload> <workers> [part]`
// (part: the big data workload's buffer size).
const fs = require('node:fs')
const { workloads } = require('./workloads')

const [poolName, workload, workers, part] = process.argv.slice(2)

// Node exits when nothing is left to wait for, even with promises pending: a
// pool whose tasks never settle ends here instead of hanging.
process.on('exit', () => {
  fs.writeSync(1, JSON.stringify({ error: 'the process ran out of work with tasks still pending (promises that never settled)' }))
})

workloads[workload](poolName, Number(workers), part).then(
  (result) => {
    process.removeAllListeners('exit')
    // Synchronous: stdout to a pipe is asynchronous, and exit() would cut it.
    fs.writeSync(1, JSON.stringify(result))
    // Some pools leave handles behind after destroy(); do not let that stall the run.
    process.exit(0)
  },
  (error) => {
    console.error(error)
    process.exit(1)
  },
)
