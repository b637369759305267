'use strict'

/**
 * The pool's face for the rest of this package: what the orchestrator and
 * the option checks may ask of a ParallelProcessor beyond its public API.
 * It lives in a WeakMap, not on the instance: users never see it, and only
 * a real pool has one (which is how the orchestrator knows it was given one).
 *
 * PoolInternals (frozen):
 *   filename              the pool's default module (an absolute path), or null
 *   taskTimeoutMs         its default task deadline in ms (0: none)
 *   maxWorkers            its most workers: an orchestrator's default number of jobs at once
 *   cluster               its resolved `cluster` option (lib/cluster/options.js), or null
 *   checkedFilename(f)    a module named per task or per job, validated once per distinct value
 *   orchestrators         the orchestrators made on it (lib/observability/metrics.js), for its metrics
 *   drainEvents()         does now what the core asked for (start a worker, settle a task) rather
 *                         than on its next turn: the piscina entry, whose pool spawns within run()
 *   tracing               its PoolTracing (lib/observability/tracing.js), or null when traces are off
 */
const internals = new WeakMap()

function declareInternals(pool, face) {
  const frozen = Object.freeze(face)
  internals.set(pool, frozen)
  return frozen
}

/** The PoolInternals of `value`, or undefined for what is not a pool. */
function internalsOf(value) {
  return value !== null && typeof value === 'object' ? internals.get(value) : undefined
}

module.exports = { declareInternals, internalsOf }
