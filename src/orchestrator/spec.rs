//! What a job is, as registered: everything the machine needs to decide when
//! it runs. The handler itself (module export, payload, `run` function) stays
//! in JavaScript; the machine only says "start run N of job X now".

use crate::core::Backoff;

use super::schedule::Schedule;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OrchestratorConfig {
    /// Most runs holding a slot at once (running, or waiting for a retry);
    /// 0 is taken as 1.
    pub max_concurrent_jobs: usize,
    /// Most dead letters kept; beyond it the oldest is dropped.
    pub dead_letter_limit: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Runs on the ticks of its schedule.
    Scheduled,
    /// Runs on `trigger()`, or after its dependencies succeed.
    Triggered,
    /// Runs again once a run ends, after `gap_ms` (or a back-off after a failure).
    Continuous,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Scheduled => "scheduled",
            Mode::Triggered => "triggered",
            Mode::Continuous => "continuous",
        }
    }
}

/// Across replicas: what a scheduled job does with the ticks that fell due
/// while no replica was alive (ticks missed while one was alive always run,
/// each once).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum CatchUp {
    /// One run for all of them, at the latest one.
    #[default]
    Once,
    /// None of them: the schedule resumes at its next tick.
    Skip,
}

#[derive(Clone, Debug)]
pub struct JobSpec {
    pub mode: Mode,
    /// `Every` or `Cron` for scheduled jobs; `None` for the others.
    pub schedule: Schedule,
    /// Scheduled jobs: one run when the job starts (at `start()`, or at
    /// registration on a started orchestrator), besides the ticks.
    pub run_on_start: bool,
    /// Continuous jobs: least time between the end of a successful run and
    /// the next start.
    pub gap_ms: u64,
    /// An attempt's deadline; 0: none. Carried in `Output::Start` for the
    /// pool, which enforces it on workers.
    pub timeout_ms: u64,
    /// Main-thread jobs, which nothing can kill: the machine itself fails the
    /// attempt at its deadline (`Output::Abort` then `Output::Failed` with
    /// `timed_out`), and ignores whatever that attempt reports later.
    pub enforce_timeout: bool,
    /// Attempts after the first failed one, within one run.
    pub retries: u32,
    /// Delay before a retry (by attempt), and before a continuous job's next
    /// run after failed ones (by consecutive failures). Jittered.
    pub retry_backoff: Backoff,
    /// 0 (low) .. 3 (critical): who gets a free slot first.
    pub priority: u8,
    /// Failed runs in a row that disable the job (or open its breaker); 0: never.
    pub max_consecutive_failures: u32,
    /// With a breaker the job is not disabled for good: after this cool-down
    /// one probe run decides whether it closes again.
    pub breaker_cooldown_ms: Option<u64>,
    pub depends_on: Vec<String>,
    /// Jobs that never run at the same time as this one (either way round).
    pub blocks: Vec<String>,
    pub catch_up: CatchUp,
}
