//! A job's schedule asking for a run: a tick of a scheduled job, a
//! continuous job's next start, `run_on_start`.

use super::super::clock::Millis;
use super::super::spec::Mode;
use super::job::Breaker;
use super::{JobKey, Lifecycle, Machine, Output, RunPhase, SkipReason, Trigger};

impl Machine {
    /// The job's `next_tick` is due. A continuous job is re-armed when its
    /// run ends. A scheduled job re-arms on its next tick, which depends on
    /// why this one is late:
    /// - a tick of a window when no replica was alive (`alive_since`; across
    ///   replicas only) stands for the whole window, under the job's catch-up
    ///   policy: the next tick is the window's end;
    /// - a tick owed from before this machine took over (`owed_until`), or
    ///   any tick of a machine resumed from durable state, is followed by the
    ///   next one on the grid, due or not: each is served once;
    /// - otherwise ticks missed by a late wake-up coalesce into this one: the
    ///   next tick is the first strictly after `now`.
    pub(super) fn on_tick(&mut self, key: JobKey, now: Millis) {
        let (alive_since, owed_until, durable) = (self.alive_since, self.owed_until, self.durable);
        let job = self.job_mut(key);
        let (trigger, tick) = match job.spec.mode {
            Mode::Scheduled => {
                let tick = job.next_tick.unwrap_or(now);
                let after = if tick < alive_since {
                    alive_since - 1
                } else if tick <= owed_until || durable {
                    tick
                } else {
                    now
                };
                // Strictly after the tick, or `advance` would never end.
                job.next_tick = job.spec.schedule.next_after(job.anchor, after).filter(|next| *next > tick.max(after));
                (Trigger::Schedule, Some(tick))
            }
            Mode::Continuous | Mode::Triggered => {
                job.next_tick = None;
                (Trigger::Continuous, None)
            }
        };
        self.offer_run(key, trigger, tick, now);
    }

    /// Queues a run unless the job cannot take one now, which is said with
    /// `Skipped` (a run already waiting absorbs the request silently).
    /// `tick`: the tick the run would serve.
    pub(super) fn offer_run(&mut self, key: JobKey, trigger: Trigger, tick: Option<Millis>, now: Millis) {
        let job = self.job(key);
        let skip = if matches!(self.lifecycle, Lifecycle::Stopping { .. }) {
            Some(SkipReason::Stopping)
        } else if let Some(id) = job.run {
            let run = &self.runs[&id];
            // Not begun yet (waiting, or its Start not yet taken by a blocked
            // host): this tick is the same run, not an overlap.
            if run.is_waiting() {
                let run = self.runs.get_mut(&id).expect("a job's run is live");
                run.covers_until = run.covers_until.max(tick);
                return;
            }
            if matches!(run.phase, RunPhase::Running { .. }) && !run.taken {
                self.job_mut(key).tick_served(tick);
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
        self.queue_unless_skipped(key, skip, trigger, tick);
    }

    /// Says why a due run is skipped, or queues it. A skipped tick is served,
    /// unless the skip is a stop's: across replicas, the next leader runs it.
    pub(super) fn queue_unless_skipped(
        &mut self,
        key: JobKey,
        skip: Option<SkipReason>,
        trigger: Trigger,
        tick: Option<Millis>,
    ) {
        match skip {
            Some(reason) => {
                if reason != SkipReason::Stopping {
                    self.job_mut(key).tick_served(tick);
                }
                let job = self.name_of(key);
                self.emit(Output::Skipped { job, reason });
            }
            None => {
                self.queue_run(key, trigger, None, tick);
            }
        }
    }
}
