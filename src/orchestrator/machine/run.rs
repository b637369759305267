//! One logical execution of a job, from the moment something asks for it to
//! the end of its last attempt.

use super::super::clock::Millis;
use super::job::JobKey;
use super::outputs::{DeadLetterId, RunId, Trigger};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum RunPhase {
    /// Queued: for a slot, for a job it excludes to end, or for its
    /// dependencies to succeed.
    Waiting,
    /// An attempt is out with the host. Counts from the moment its `Start`
    /// is emitted, taken by the host or not.
    Running {
        since: Millis,
        /// Enforced timeouts only (the machine fails the attempt itself).
        timeout_at: Option<Millis>,
    },
    /// Between a failed attempt and the next one. Still holds its slot and
    /// its exclusions, so that a job never overlaps itself, retries included.
    Retrying { at: Millis },
}

pub(super) struct Run {
    pub(super) id: RunId,
    pub(super) job: JobKey,
    /// Why the run was made: `Manual` once a trigger took it over, which
    /// frees it from the dependency condition.
    pub(super) trigger: Trigger,
    pub(super) dead_letter: Option<DeadLetterId>,
    /// The tick a scheduled run serves (its `scheduledAt`), and the latest
    /// tick it absorbed while it waited.
    pub(super) scheduled_at: Option<Millis>,
    pub(super) covers_until: Option<Millis>,
    /// When its first attempt started.
    pub(super) started_at: Option<Millis>,
    /// The current (or last) attempt, from 1; 0 while waiting.
    pub(super) attempt: u32,
    pub(super) phase: RunPhase,
    /// Started while the job's breaker was not closed: one attempt, whose
    /// outcome closes or reopens the breaker.
    pub(super) probe: bool,
    /// Whether the host has taken the `Start` of its current attempt. Until
    /// then (its event loop may be blocked) the attempt has not begun: a tick
    /// joins it silently, and its clock starts when it is taken.
    pub(super) taken: bool,
}

impl Run {
    /// Running and retrying runs hold a slot; waiting ones do not.
    pub(super) fn holds_slot(&self) -> bool {
        !matches!(self.phase, RunPhase::Waiting)
    }

    pub(super) fn is_waiting(&self) -> bool {
        matches!(self.phase, RunPhase::Waiting)
    }

    pub(super) fn is_manual(&self) -> bool {
        self.trigger == Trigger::Manual
    }
}
