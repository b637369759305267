//! `start` and `stop`.

use super::super::clock::Millis;
use super::super::spec::Mode;
use super::{CancelReason, JobKey, Lifecycle, Machine, Output, RunPhase, Trigger};

impl Machine {
    /// Checks the dependency graph (unknown names and cycles are named in the
    /// error), then starts every job afresh: `every` grids anchored at `now`,
    /// `run_on_start` and continuous jobs run now. Does nothing when running;
    /// refused while a stop is under way.
    pub fn start(&mut self, now: Millis) -> Result<(), String> {
        match self.lifecycle {
            Lifecycle::Running => return Ok(()),
            Lifecycle::Stopping { .. } => return Err("the orchestrator is still stopping".to_owned()),
            Lifecycle::Stopped => {}
        }
        self.check_dependencies()?;
        self.lifecycle = Lifecycle::Running;
        // Cool-downs that ended while stopped end now, before any job asks to run.
        self.advance(now);
        for key in self.registered_keys() {
            self.start_job(key, now);
        }
        self.settle(now);
        Ok(())
    }

    /// Anchors the job's schedule at `now` and makes its first run, if it has
    /// one now.
    pub(super) fn start_job(&mut self, key: JobKey, now: Millis) {
        let job = self.job_mut(key);
        job.anchor = now;
        match job.spec.mode {
            Mode::Scheduled => {
                job.next_tick = job.spec.schedule.next_after(now, now);
                if job.spec.run_on_start {
                    // Its tick is the start itself.
                    self.offer_run(key, Trigger::Schedule, Some(now), now);
                }
            }
            Mode::Continuous => self.offer_run(key, Trigger::Continuous, None, now),
            Mode::Triggered => {}
        }
    }

    /// No new runs from now on: waiting runs and runs waiting for a retry are
    /// cancelled; running ones finish (no retry) until `now + timeout_ms`,
    /// when they are aborted and failed. `Output::Stopped` once nothing runs.
    /// Does nothing when stopped; a second call may only bring the deadline
    /// closer.
    pub fn stop(&mut self, now: Millis, timeout_ms: u64) {
        let deadline = now.saturating_add(timeout_ms.min(i64::MAX as u64) as Millis);
        match self.lifecycle {
            Lifecycle::Stopped => return,
            Lifecycle::Stopping { deadline: earlier } => {
                self.lifecycle = Lifecycle::Stopping { deadline: deadline.min(earlier) };
            }
            Lifecycle::Running => {
                self.lifecycle = Lifecycle::Stopping { deadline };
                let not_running: Vec<_> = self
                    .runs
                    .values()
                    .filter(|run| !matches!(run.phase, RunPhase::Running { .. }))
                    .map(|run| run.id)
                    .collect();
                for id in not_running {
                    self.cancel_run(id, CancelReason::Stopped);
                }
            }
        }
        self.advance(now);
    }

    /// Stop's deadline: every run still running is aborted and ended now,
    /// without counting as its job's failure; whatever its host reports
    /// later is ignored.
    pub(super) fn abort_at_stop_deadline(&mut self) {
        let running: Vec<_> = self.runs.keys().copied().collect();
        for id in running {
            self.emit(Output::Abort { run: id, timed_out: false });
            self.cancel_run(id, CancelReason::AbortedByStop);
        }
        self.finish_stop_if_idle();
    }

    pub(super) fn finish_stop_if_idle(&mut self) {
        if matches!(self.lifecycle, Lifecycle::Stopping { .. }) && self.runs.is_empty() {
            self.lifecycle = Lifecycle::Stopped;
            for job in self.jobs.values_mut() {
                job.next_tick = None;
            }
            self.emit(Output::Stopped);
        }
    }
}
