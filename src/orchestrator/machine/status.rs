//! `status()`: a snapshot of the orchestrator and of each job.

use super::super::clock::Millis;
use super::super::spec::Mode;
use super::job::{Breaker, Job};
use super::{Lifecycle, Machine, RunPhase};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LifecycleState {
    Stopped,
    Running,
    Stopping,
}

impl LifecycleState {
    pub fn as_str(self) -> &'static str {
        match self {
            LifecycleState::Stopped => "stopped",
            LifecycleState::Running => "running",
            LifecycleState::Stopping => "stopping",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JobState {
    Idle,
    Waiting,
    Running,
    Retrying,
    Disabled,
    BreakerOpen,
}

impl JobState {
    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Idle => "idle",
            JobState::Waiting => "waiting",
            JobState::Running => "running",
            JobState::Retrying => "retrying",
            JobState::Disabled => "disabled",
            JobState::BreakerOpen => "breakerOpen",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JobStatus {
    pub name: String,
    pub mode: Mode,
    pub enabled: bool,
    /// A run's phase first; else disabled, else breaker open, else idle.
    pub state: JobState,
    /// Finished runs.
    pub runs: u64,
    pub successes: u64,
    pub failures: u64,
    pub consecutive_failures: u32,
    /// The start of the last run.
    pub last_run_at: Option<Millis>,
    pub last_success_at: Option<Millis>,
    pub last_error: Option<String>,
    /// The last finished run's final attempt.
    pub last_duration_ms: Option<u64>,
    /// The armed tick (or continuous start): the deadline the machine will
    /// wake up at for this job.
    pub next_run_at: Option<Millis>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Status {
    pub state: LifecycleState,
    /// Runs holding a slot (running, or waiting for a retry).
    pub running: usize,
    /// Runs queued for a slot, a blocker or their dependencies.
    pub waiting: usize,
    /// Running, no job disabled by failures, no breaker open and no enabled
    /// job with a failure since its last success.
    pub healthy: bool,
    pub dead_letters: usize,
    /// Registered jobs, in registration order.
    pub jobs: Vec<JobStatus>,
}

impl Machine {
    pub fn status(&self) -> Status {
        let state = match self.lifecycle {
            Lifecycle::Stopped => LifecycleState::Stopped,
            Lifecycle::Running => LifecycleState::Running,
            Lifecycle::Stopping { .. } => LifecycleState::Stopping,
        };
        let jobs: Vec<JobStatus> =
            self.jobs.values().filter(|job| !job.removed).map(|job| self.job_status(job)).collect();
        let healthy = state == LifecycleState::Running
            && self.jobs.values().filter(|job| !job.removed).all(|job| {
                !job.disabled_by_failures
                    && job.breaker == Breaker::Closed
                    && (!job.enabled || job.stats.consecutive_failures == 0)
            });
        Status {
            state,
            running: self.slots_taken(),
            waiting: self.queue.len(),
            healthy,
            dead_letters: self.dead_letters.len(),
            jobs,
        }
    }

    fn job_status(&self, job: &Job) -> JobStatus {
        let state = match job.run.map(|id| self.runs[&id].phase) {
            Some(RunPhase::Waiting) => JobState::Waiting,
            Some(RunPhase::Running { .. }) => JobState::Running,
            Some(RunPhase::Retrying { .. }) => JobState::Retrying,
            None if !job.enabled => JobState::Disabled,
            None if job.breaker_is_open() => JobState::BreakerOpen,
            None => JobState::Idle,
        };
        let stats = &job.stats;
        JobStatus {
            name: job.name.clone(),
            mode: job.spec.mode,
            enabled: job.enabled,
            state,
            runs: stats.runs,
            successes: stats.successes,
            failures: stats.failures,
            consecutive_failures: stats.consecutive_failures,
            last_run_at: stats.last_run_at,
            last_success_at: stats.last_success_at,
            last_error: stats.last_error.clone(),
            last_duration_ms: stats.last_duration_ms,
            next_run_at: job.next_tick,
        }
    }
}
