//! What the machine tells its host, and the words those messages use. The
//! host (JavaScript, through the binding) acts on them in order: it starts
//! and aborts attempts, settles the promises it handed out, emits events.

use super::super::clock::Millis;

/// One logical execution of a job: attempts 1..=retries+1. Unique per
/// machine, from 1.
pub type RunId = u64;
/// Unique per machine, from 1.
pub type DeadLetterId = u64;

/// Why a run (or one of its attempts) started.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Trigger {
    Schedule,
    /// `trigger()` or `retry_dead_letter()`.
    Manual,
    /// Its dependencies succeeded.
    Dependency,
    /// A later attempt of a run whose previous attempt failed.
    Retry,
    Continuous,
}

impl Trigger {
    pub fn as_str(self) -> &'static str {
        match self {
            Trigger::Schedule => "schedule",
            Trigger::Manual => "manual",
            Trigger::Dependency => "dependency",
            Trigger::Retry => "retry",
            Trigger::Continuous => "continuous",
        }
    }
}

/// Why a run the schedule (or a dependency) asked for did not happen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SkipReason {
    /// The job was still running or retrying.
    Overlap,
    /// A dependency's run failed while this one waited for it.
    DependencyFailed,
    Disabled,
    BreakerOpen,
    /// `stop()` was called.
    Stopping,
}

impl SkipReason {
    pub fn as_str(self) -> &'static str {
        match self {
            SkipReason::Overlap => "overlap",
            SkipReason::DependencyFailed => "dependencyFailed",
            SkipReason::Disabled => "disabled",
            SkipReason::BreakerOpen => "breakerOpen",
            SkipReason::Stopping => "stopping",
        }
    }
}

/// How an attempt ended, as the host reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RunOutcome {
    Success,
    Failure { error: String },
}

/// Why a run will never start (or never start again).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CancelReason {
    Stopped,
    /// Its job was unregistered.
    NotFound,
    /// Still running at stop's deadline: ended there, neither a success nor
    /// a failure of its job (a deploy that cuts a long run short must not
    /// count towards disabling it, nor file a dead letter).
    AbortedByStop,
}

impl CancelReason {
    pub fn as_str(self) -> &'static str {
        match self {
            CancelReason::Stopped => "stopped",
            CancelReason::NotFound => "notFound",
            CancelReason::AbortedByStop => "abortedByStop",
        }
    }
}

/// Why `trigger()` or `retry_dead_letter()` made no run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TriggerError {
    /// The job is running or waiting for a retry.
    Busy,
    /// No such job (or dead letter).
    NotFound,
    /// The orchestrator is not running.
    Stopped,
}

impl TriggerError {
    pub fn as_str(self) -> &'static str {
        match self {
            TriggerError::Busy => "busy",
            TriggerError::NotFound => "notFound",
            TriggerError::Stopped => "stopped",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Output {
    /// Start the attempt now (`pool.execute`, or the `run` function). A retried
    /// dead letter's run carries the letter, whose payload the host kept.
    Start {
        run: RunId,
        job: String,
        attempt: u32,
        trigger: Trigger,
        timeout_ms: u64,
        dead_letter: Option<DeadLetterId>,
        /// The tick the run serves (scheduled runs): the same instant on
        /// every replica, so a handler may use it as an idempotency key.
        scheduled_at: Option<Millis>,
    },
    /// Abort the attempt's signal: stop's deadline passed, or an enforced
    /// timeout. The machine has already ended the attempt; whatever the host
    /// reports for it later is ignored.
    Abort {
        run: RunId,
        timed_out: bool,
    },
    Succeeded {
        run: RunId,
        job: String,
        duration_ms: u64,
    },
    /// One attempt failed. `will_retry == false`: the run is over (final failure).
    Failed {
        run: RunId,
        job: String,
        attempt: u32,
        error: String,
        timed_out: bool,
        /// The replica running it was lost (across replicas): its new leader
        /// failed the attempt.
        replica_lost: bool,
        will_retry: bool,
    },
    /// A run that will never start or finish: its trigger promise rejects.
    Cancelled {
        run: RunId,
        job: String,
        reason: CancelReason,
    },
    Skipped {
        job: String,
        reason: SkipReason,
    },
    Disabled {
        job: String,
        consecutive_failures: u32,
    },
    BreakerOpen {
        job: String,
    },
    BreakerClose {
        job: String,
    },
    DeadLetter {
        id: DeadLetterId,
        job: String,
        run: RunId,
        error: String,
        attempts: u32,
    },
    /// Evicted past the limit, retried successfully, or cleared.
    DeadLetterRemoved {
        id: DeadLetterId,
    },
    /// `stop()` has finished: nothing runs any more.
    Stopped,
}

/// A run whose final attempt failed, kept so that it can be looked at and
/// retried.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeadLetter {
    pub id: DeadLetterId,
    pub job: String,
    /// The run that failed first; a retry of the letter is another run.
    pub run: RunId,
    pub error: String,
    /// Attempts made, over the first run and every retry of the letter.
    pub attempts: u32,
    pub failed_at: Millis,
}
