'use strict'

const { fixture, runNode } = require('./helpers')

test('15 cycles of create, 300 tasks, dispose: memory stays flat and no thread is left behind', async () => {
  // In a child process of its own, so that jest's memory and threads do not blur the numbers.
  const run = await runNode(['--expose-gc', fixture('script-cycles.js')])
  expect(run.stderr).toBe('')
  expect(run.code).toBe(0)
  const { samples } = JSON.parse(run.stdout)
  expect(samples).toHaveLength(15)
  for (const sample of samples) {
    expect(sample.size).toBe(0)
    // Every worker thread of every cycle is gone: the count never grows.
    expect(sample.threads).toBe(samples[0].threads)
  }
  // After warm-up (first cycles load code and grow caches), memory is flat.
  const warm = samples[4]
  const last = samples[14]
  expect(last.heapUsed - warm.heapUsed).toBeLessThan(1024 * 1024)
  expect(last.rss - warm.rss).toBeLessThan(32 * 1024 * 1024)
})
