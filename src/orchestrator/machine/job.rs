//! A registered job's bookkeeping: its spec, where its schedule stands, the
//! one run it may have, its health and its counters.

use super::super::clock::Millis;
use super::super::spec::JobSpec;
use super::outputs::RunId;

/// Jobs in registration order (the key only grows).
pub(super) type JobKey = u64;

/// A point in the machine's sequence of events. "Succeeded after the
/// dependent last started" is decided on this order, not on times, which
/// may be equal (or go back).
pub(super) type Order = u64;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Breaker {
    Closed,
    /// Runs are skipped until the cool-down ends.
    Open {
        until: Millis,
    },
    /// The cool-down is over: the next run is a probe.
    HalfOpen,
}

#[derive(Clone, Debug, Default)]
pub(super) struct JobStats {
    /// Finished runs (cancelled ones are not).
    pub(super) runs: u64,
    pub(super) successes: u64,
    pub(super) failures: u64,
    pub(super) consecutive_failures: u32,
    /// When the last run started (its first attempt).
    pub(super) last_run_at: Option<Millis>,
    pub(super) last_success_at: Option<Millis>,
    /// The error of the last failed attempt.
    pub(super) last_error: Option<String>,
    /// The last finished run's final attempt.
    pub(super) last_duration_ms: Option<u64>,
}

pub(super) struct Job {
    pub(super) name: String,
    pub(super) spec: JobSpec,
    /// Unregistered: kept only until the run it still has ends, so that the
    /// run reports normally and keeps excluding what it excludes.
    pub(super) removed: bool,
    pub(super) enabled: bool,
    /// Disabled by `max_consecutive_failures` rather than by `disable()`.
    pub(super) disabled_by_failures: bool,
    pub(super) breaker: Breaker,
    /// Where an `every` grid starts: the orchestrator's start, or the job's
    /// registration on a started orchestrator.
    pub(super) anchor: Millis,
    /// The next tick of a scheduled job, or a continuous job's next start.
    pub(super) next_tick: Option<Millis>,
    /// Every tick up to this one has been served: its run started, or it was
    /// skipped. Across replicas this is what a new leader resumes from, so
    /// that no tick runs twice and none is lost.
    pub(super) ticks_done: Option<Millis>,
    /// Invariant: a job has at most one run (waiting, running or retrying),
    /// and this is it. A job therefore never overlaps itself.
    pub(super) run: Option<RunId>,
    pub(super) stats: JobStats,
    pub(super) last_started: Option<Order>,
    pub(super) last_succeeded: Option<Order>,
}

impl Job {
    pub(super) fn new(name: String, spec: JobSpec) -> Job {
        Job {
            name,
            spec,
            removed: false,
            enabled: true,
            disabled_by_failures: false,
            breaker: Breaker::Closed,
            anchor: 0,
            next_tick: None,
            ticks_done: None,
            run: None,
            stats: JobStats::default(),
            last_started: None,
            last_succeeded: None,
        }
    }

    pub(super) fn breaker_is_open(&self) -> bool {
        matches!(self.breaker, Breaker::Open { .. })
    }

    /// Records that the ticks up to `tick` are served.
    pub(super) fn tick_served(&mut self, tick: Option<Millis>) {
        if tick > self.ticks_done {
            self.ticks_done = tick;
        }
    }

    pub(super) fn depends_on(&self, name: &str) -> bool {
        self.spec.depends_on.iter().any(|dependency| dependency == name)
    }
}
