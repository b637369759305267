'use strict'

// The cluster group's handler (parallel-processor nodes): a tiny task, or a
// sleep of `ms` for the recovery measure.
module.exports = async function task({ x, ms }) {
  if (ms) await new Promise((resolve) => setTimeout(resolve, ms))
  return x + 1
}
