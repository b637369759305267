'use strict'

// The cluster group's handler (BullMQ's sandboxed processor): the same task.
module.exports = async function task(job) {
  const { x, ms } = job.data
  if (ms) await new Promise((resolve) => setTimeout(resolve, ms))
  return x + 1
}
