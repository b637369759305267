'use strict'

/**
 * piscina's histogram summary (`runTime`, `waitTime`, v5's `histogram`),
 * in ms, from the pool's own: `stats().runTime` and `.waitTime` are
 * { count, min, mean, p50, p90, p99, max, stddev } over every task, kept by
 * the core in constant memory. piscina lists more percentiles than the core
 * computes; those are interpolated linearly in rank between the ones it
 * does (min as p0, p50, p90, p99, max as p100), exact where they coincide.
 */
const PERCENTILES = [
  ['p0_001', 0.001], ['p0_01', 0.01], ['p0_1', 0.1], ['p1', 1], ['p2_5', 2.5], ['p10', 10], ['p25', 25],
  ['p50', 50], ['p75', 75], ['p90', 90], ['p97_5', 97.5], ['p99', 99], ['p99_9', 99.9], ['p99_99', 99.99], ['p99_999', 99.999],
]

function summary(times) {
  const known = [[0, times.min], [50, times.p50], [90, times.p90], [99, times.p99], [100, times.max]]
  const result = { average: times.mean, mean: times.mean, stddev: times.stddev, min: times.min, max: times.max }
  for (const [key, rank] of PERCENTILES) result[key] = interpolate(known, rank)
  return result
}

function interpolate(known, rank) {
  for (let i = 1; i < known.length; i++) {
    const [r1, v1] = known[i]
    if (rank <= r1) {
      const [r0, v0] = known[i - 1]
      return v0 + ((v1 - v0) * (rank - r0)) / (r1 - r0)
    }
  }
  return known[known.length - 1][1]
}

/**
 * v5's `pool.histogram`: live summaries, and resets. A reset does not clear
 * the pool's counts (other readers share them): it hides what was counted
 * before it, as far as the summary allows (count, min, max, mean restart;
 * the percentiles are the pool's).
 */
class Histograms {
  #stats
  #resets = { runTime: null, waitTime: null }

  constructor(stats) {
    this.#stats = stats
  }

  get runTime() { return this.#summary('runTime') }
  get waitTime() { return this.#summary('waitTime') }
  resetRunTime() { this.#resets.runTime = this.#stats().runTime }
  resetWaitTime() { this.#resets.waitTime = this.#stats().waitTime }

  /** Tasks timed since the last reset. */
  count(which) {
    const before = this.#resets[which]
    return this.#stats()[which].count - (before === null ? 0 : before.count)
  }

  #summary(which) {
    const now = this.#stats()[which]
    const before = this.#resets[which]
    if (before === null || before.count === 0) return summary(now)
    const count = now.count - before.count
    if (count <= 0) return summary({ count: 0, min: 0, mean: 0, p50: 0, p90: 0, p99: 0, max: 0, stddev: 0 })
    const mean = (now.mean * now.count - before.mean * before.count) / count
    return summary({ ...now, count, mean })
  }
}

module.exports = { summary, Histograms }
