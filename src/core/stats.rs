//! Counters and the snapshot returned by `Pool::stats`.

use super::ids::WorkerId;
use super::metrics::{Exported, Summary};

/// Pool-wide totals since the pool was created.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counters {
    /// Tasks whose handler returned.
    pub completed: u64,
    /// Tasks that rejected for any reason but dispose (includes `timed_out` and `crashed`).
    pub failed: u64,
    pub timed_out: u64,
    /// Tasks that waited in the queue longer than allowed.
    pub queue_timed_out: u64,
    /// Tasks aborted by their caller (not counted in `failed`).
    pub aborted: u64,
    /// Re-runs of tasks after a crash or a timeout (`retries`).
    pub retried: u64,
    /// Workers retired gracefully (recycling).
    pub retired: u64,
    pub crashed: u64,
    pub workers_started: u64,
    pub workers_exited: u64,
}

#[derive(Clone, Debug)]
pub struct WorkerStats {
    pub id: WorkerId,
    pub state: &'static str,
    pub running: usize,
    pub completed: u64,
    pub failed: u64,
    /// The memory it last reported after a task, in MB: a thread's heap, a
    /// process's RSS (only with a memory limit).
    pub memory_mb: Option<f64>,
    pub restarts: u32,
}

#[derive(Clone, Debug)]
pub struct PoolStats {
    pub workers: Vec<WorkerStats>,
    pub queued: usize,
    pub running: usize,
    pub counters: Counters,
    /// Time from submission to start, of tasks that started.
    pub wait_time: Summary,
    /// Time from start to settlement, of tasks that ran.
    pub run_time: Summary,
    /// Share of the workers' time spent running tasks since the pool started, 0..1.
    pub utilization: f64,
}

/// The wait and run times in a scraper's buckets (`Pool::exported_times`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ExportedTimes {
    pub wait_time: Exported,
    pub run_time: Exported,
}
