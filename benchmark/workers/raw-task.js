'use strict'

// The ideal for the CPU workload: one message in, one out, the split done by hand.
const { parentPort } = require('node:worker_threads')
const { fib } = require('./handlers')

parentPort.on('message', ({ n, count }) => {
  const results = new Array(count)
  for (let i = 0; i < count; i++) results[i] = fib(n)
  parentPort.postMessage(results)
})
