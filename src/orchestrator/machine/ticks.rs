//! A job's schedule asking for a run: a tick of a scheduled job, a
//! continuous job's next start, `run_on_start`.

use super::super::clock::Millis;
use super::super::spec::Mode;
use super::job::Breaker;
use super::{JobKey, Lifecycle, Machine, Output, RunPhase, SkipReason, Trigger};

impl Machine {
    /// The job's `next_tick` is due. A scheduled job re-arms on the first
    /// grid point after `now`: ticks missed by a late wake-up coalesce into
    /// this one. A continuous job is re-armed when its run ends.
    pub(super) fn on_tick(&mut self, key: JobKey, now: Millis) {
        let job = self.job_mut(key);
        let trigger = match job.spec.mode {
            Mode::Scheduled => {
                // Strictly after `now`, or `advance` would never end.
                job.next_tick = job.spec.schedule.next_after(job.anchor, now).filter(|next| *next > now);
                Trigger::Schedule
            }
            Mode::Continuous | Mode::Triggered => {
                job.next_tick = None;
                Trigger::Continuous
            }
        };
        self.offer_run(key, trigger, now);
    }

    /// Queues a run unless the job cannot take one now, which is said with
    /// `Skipped` (a run already waiting absorbs the request silently).
    pub(super) fn offer_run(&mut self, key: JobKey, trigger: Trigger, now: Millis) {
        let job = self.job(key);
        let skip = if matches!(self.lifecycle, Lifecycle::Stopping { .. }) {
            Some(SkipReason::Stopping)
        } else if let Some(run) = job.run {
            let run = &self.runs[&run];
            // Not begun yet (waiting, or its Start not yet taken by a blocked
            // host): this tick is the same run, not an overlap.
            if run.is_waiting() || (matches!(run.phase, RunPhase::Running { .. }) && !run.taken) {
                return;
            }
            Some(SkipReason::Overlap)
        } else if !job.enabled {
            Some(SkipReason::Disabled)
        } else if let Breaker::Open { until } = job.breaker {
            if job.spec.mode == Mode::Continuous {
                self.job_mut(key).next_tick = Some(until.max(now));
            }
            Some(SkipReason::BreakerOpen)
        } else {
            None
        };
        self.queue_unless_skipped(key, skip, trigger);
    }

    /// Says why a due run is skipped, or queues it.
    pub(super) fn queue_unless_skipped(&mut self, key: JobKey, skip: Option<SkipReason>, trigger: Trigger) {
        match skip {
            Some(reason) => {
                let job = self.name_of(key);
                self.emit(Output::Skipped { job, reason });
            }
            None => {
                self.queue_run(key, trigger, None);
            }
        }
    }
}
