//! `pool.stats()` as JavaScript sees it, built from the core's snapshot. The
//! shape is the API's (see index.d.ts); only a thread's `threadId`, which the
//! main thread alone knows, is added in JavaScript.

use napi_derive::napi;

use crate::core::metrics::{Exported, Summary, EXPORTED_BOUNDS_US};
use crate::core::{ExportedTimes, PoolStats};
use crate::process::Supervisor;

#[napi(object)]
pub struct WorkerStatsObject {
    pub id: u32,
    /// 'starting', 'idle', 'busy', 'retiring' or 'exited'.
    pub state: String,
    pub running: u32,
    pub completed: f64,
    pub failed: f64,
    pub tasks_since_start: f64,
    pub restarts: u32,
    /// Process workers: the child's pid, once it runs.
    pub pid: Option<u32>,
    /// Thread workers, with a memory limit: the heap after its last task.
    pub heap_used_mb: Option<f64>,
    /// Process workers, with a memory limit: the RSS after its last task.
    pub rss_mb: Option<f64>,
}

/// `{ count, min, mean, p50, p90, p99, max, stddev }`, in ms (`stddev`: the
/// population standard deviation, 0 for fewer than 2 durations).
#[napi(object)]
pub struct SummaryObject {
    pub count: f64,
    pub min: f64,
    pub mean: f64,
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
    pub max: f64,
    pub stddev: f64,
}

impl From<Summary> for SummaryObject {
    fn from(s: Summary) -> Self {
        SummaryObject {
            count: s.count as f64,
            min: s.min,
            mean: s.mean,
            p50: s.p50,
            p90: s.p90,
            p99: s.p99,
            max: s.max,
            stddev: s.stddev,
        }
    }
}

#[napi(object)]
pub struct PoolStatsObject {
    pub workers: Vec<WorkerStatsObject>,
    pub queued: u32,
    pub running: u32,
    pub completed: f64,
    pub failed: f64,
    pub timed_out: f64,
    pub queue_timed_out: f64,
    pub aborted: f64,
    pub retried: f64,
    pub retired: f64,
    pub crashed: f64,
    pub workers_started: f64,
    pub workers_exited: f64,
    pub wait_time: SummaryObject,
    pub run_time: SummaryObject,
    pub utilization: f64,
}

/// `processes`: the pool's children, for a pool of process workers.
pub fn to_object(stats: PoolStats, processes: Option<&Supervisor>) -> PoolStatsObject {
    let counters = stats.counters;
    let workers = stats
        .workers
        .into_iter()
        .map(|w| WorkerStatsObject {
            id: w.id.0,
            state: w.state.to_owned(),
            running: w.running as u32,
            completed: w.completed as f64,
            failed: w.failed as f64,
            tasks_since_start: (w.completed + w.failed) as f64,
            restarts: w.restarts,
            pid: processes.and_then(|processes| processes.pid(w.id)),
            heap_used_mb: w.memory_mb.filter(|_| processes.is_none()),
            rss_mb: w.memory_mb.filter(|_| processes.is_some()),
        })
        .collect();
    PoolStatsObject {
        workers,
        queued: stats.queued as u32,
        running: stats.running as u32,
        completed: counters.completed as f64,
        failed: counters.failed as f64,
        timed_out: counters.timed_out as f64,
        queue_timed_out: counters.queue_timed_out as f64,
        aborted: counters.aborted as f64,
        retried: counters.retried as f64,
        retired: counters.retired as f64,
        crashed: counters.crashed as f64,
        workers_started: counters.workers_started as f64,
        workers_exited: counters.workers_exited as f64,
        wait_time: stats.wait_time.into(),
        run_time: stats.run_time.into(),
        utilization: stats.utilization,
    }
}

/// One Prometheus histogram: cumulative counts per bound of `ExportedTimesObject::bounds`, then `+Inf`.
#[napi(object)]
pub struct ExportedObject {
    pub cumulative: Vec<f64>,
    pub count: f64,
    pub sum_seconds: f64,
}

/// The wait and run times for `pool.metrics()`; `bounds` in seconds.
#[napi(object)]
pub struct ExportedTimesObject {
    pub bounds: Vec<f64>,
    pub wait_time: ExportedObject,
    pub run_time: ExportedObject,
}

impl From<Exported> for ExportedObject {
    fn from(e: Exported) -> Self {
        ExportedObject {
            cumulative: e.cumulative.into_iter().map(|count| count as f64).collect(),
            count: e.count as f64,
            sum_seconds: e.sum_seconds,
        }
    }
}

pub fn exported_times_object(times: ExportedTimes) -> ExportedTimesObject {
    ExportedTimesObject {
        bounds: EXPORTED_BOUNDS_US.iter().map(|&us| us as f64 / 1e6).collect(),
        wait_time: times.wait_time.into(),
        run_time: times.run_time.into(),
    }
}
