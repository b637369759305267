// The handwritten stats types of index.d.ts against the addon's own, which
// `napi build` generates into native/index.d.ts from src/binding/stats.rs and
// src/binding/cluster.rs. `pool.stats()` returns the addon's object with only
// the differences listed below, so the two must agree field by field: a field
// added to, removed from or retyped in the Rust structs, or in index.d.ts
// alone, fails this file, naming the field. Compiled, never run; native/
// exists once the addon is built (`npm ci` builds it).
import type { ClusterStats, ProcessorStats, TimeSummary, WorkerStats } from 'parallel-processor'
import type { ClusterNodeObject, ClusterStatsObject, PoolStatsObject, SummaryObject, WorkerStatsObject } from '../../../native/index'
import type { Assert, DifferingKeys, Equals, NoDifference } from '../helpers'

/**
 * The documented differences, and the only ones allowed. JavaScript
 * (`stats()` of the pool) adds `threadId` to each thread worker (only the
 * main thread knows it) and `cluster` to a cluster pool's stats (read from
 * the node separately). index.d.ts narrows a worker's `state`, a string in
 * Rust, to the states it can take, and types `workers` with its own
 * per-worker type (compared on its own below).
 */
interface AddedInJavaScript {
  worker: 'threadId'
  pool: 'cluster'
}
interface NarrowedInIndexDts {
  worker: 'state'
  pool: 'workers'
}

// A worker: the same fields, with the same types and optionality, but for the differences.
type _Worker = NoDifference<DifferingKeys<
  Omit<WorkerStats, AddedInJavaScript['worker'] | NarrowedInIndexDts['worker']>,
  Omit<WorkerStatsObject, NarrowedInIndexDts['worker']>
>>
// What JavaScript adds is an optional number; the narrowed state is still a string.
type _ThreadId = Assert<Equals<Pick<WorkerStats, 'threadId'>, { threadId?: number }>>
type _State = Assert<WorkerStats['state'] extends WorkerStatsObject['state'] ? true : false>

// waitTime and runTime.
type _Summary = NoDifference<DifferingKeys<TimeSummary, SummaryObject>>

// The pool: every field but the workers (an array of the workers above) and the additions.
type _Pool = NoDifference<DifferingKeys<
  Omit<ProcessorStats, AddedInJavaScript['pool'] | NarrowedInIndexDts['pool']>,
  Omit<PoolStatsObject, NarrowedInIndexDts['pool']>
>>
type _Workers = Assert<Equals<[ProcessorStats['workers'], PoolStatsObject['workers']], [WorkerStats[], WorkerStatsObject[]]>>
type _Cluster = Assert<Equals<Pick<ProcessorStats, 'cluster'>, { cluster?: ClusterStats }>>

// `stats().cluster` is the addon's clusterStats() as it is.
type _ClusterStats = NoDifference<DifferingKeys<Omit<ClusterStats, 'nodes'>, Omit<ClusterStatsObject, 'nodes'>>>
type _ClusterNodes = Assert<Equals<ClusterStats['nodes'], Array<ClusterStats['nodes'][number]>>>
type _ClusterNode = NoDifference<DifferingKeys<ClusterStats['nodes'][number], ClusterNodeObject>>

// What is not listed as a difference is not allowed: each of these is one.
// @ts-expect-error: the addon's worker has no threadId
type _NoNativeThreadId = NoDifference<DifferingKeys<Omit<WorkerStats, 'state'>, Omit<WorkerStatsObject, 'state'>>>
// @ts-expect-error: the addon's pool stats have no cluster
type _NoNativeCluster = NoDifference<DifferingKeys<Omit<ProcessorStats, 'workers'>, Omit<PoolStatsObject, 'workers'>>>
// @ts-expect-error: a worker's state is one of five names, not any string
type _StateNarrowed = Assert<Equals<WorkerStats['state'], WorkerStatsObject['state']>>
