'use strict'

/**
 * `pool.metrics()` and `orchestrator.metrics()`: Prometheus text computed
 * when read, from counters the pool and the orchestrator keep anyway. No
 * timer, no listener, nothing per task: a pool nobody scrapes pays nothing.
 */
const { Exposition } = require('./exposition')
const { writePoolMetrics, writeClusterMetrics } = require('./pool-metrics')
const { writeOrchestratorMetrics, orchestratorLabels } = require('./orchestrator-metrics')

/**
 * The orchestrators made on one pool, so that its metrics include theirs.
 * Held weakly: an orchestrator dropped by its user is not kept for this.
 */
class OrchestratorList {
  #refs = []
  /** Orchestrator -> its cluster name (null for one in this process alone). */
  static #names = new WeakMap()

  add(orchestrator, clusterName) {
    OrchestratorList.#names.set(orchestrator, clusterName)
    this.#refs.push(new WeakRef(orchestrator))
  }

  /** The live ones, in the order they were made. */
  live() {
    this.#refs = this.#refs.filter((ref) => ref.deref() !== undefined)
    return this.#refs.map((ref) => ref.deref()).filter((orchestrator) => orchestrator !== undefined)
  }

  static nameOf(orchestrator) {
    return OrchestratorList.#names.get(orchestrator) ?? null
  }
}

/**
 * `source()` gives the pool's side: { kind, disposed, stats, times, exits }
 * (see pool-metrics.js); it may throw once the pool's core is gone, and
 * then only what is known without it is written.
 */
function poolMetricsText(source, orchestrators) {
  const out = new Exposition()
  const pool = source()
  writePoolMetrics(out, pool)
  if (pool.stats.cluster !== undefined) writeClusterMetrics(out, pool.stats.cluster)
  writeOrchestrators(out, orchestrators.live())
  return out.toString()
}

function orchestratorMetricsText(orchestrator) {
  const out = new Exposition()
  writeOrchestrators(out, [orchestrator])
  return out.toString()
}

function writeOrchestrators(out, orchestrators) {
  if (orchestrators.length === 0) return
  const labels = orchestratorLabels(orchestrators.map((orchestrator) => OrchestratorList.nameOf(orchestrator)))
  writeOrchestratorMetrics(out, orchestrators.map((orchestrator, index) => ({ label: labels[index], status: orchestrator.status() })))
}

module.exports = { OrchestratorList, poolMetricsText, orchestratorMetricsText }
