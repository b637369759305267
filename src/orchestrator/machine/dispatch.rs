//! Slots: who starts when a slot, a blocker or a dependency frees.

use super::super::clock::Millis;
use super::job::Breaker;
use super::{Lifecycle, Machine, Output, RunId, RunPhase, Trigger};

impl Machine {
    /// Scans the waiting runs in priority order and starts every one that may
    /// start now. A run that may not (a blocker or dependency still running,
    /// a dependency that has not succeeded yet) keeps its place and does not
    /// hold up the runs behind it.
    pub(super) fn dispatch(&mut self, now: Millis) {
        if self.lifecycle != Lifecycle::Running {
            return;
        }
        for id in self.queue.in_order() {
            if self.slots_taken() >= self.config.max_concurrent_jobs {
                return;
            }
            if self.may_start(id) {
                self.start_run(id, now);
            }
        }
    }

    pub(super) fn slots_taken(&self) -> usize {
        self.runs.values().filter(|run| run.holds_slot()).count()
    }

    fn may_start(&self, id: RunId) -> bool {
        let run = &self.runs[&id];
        if !run.is_manual() && !self.dependencies_satisfied(run.job) {
            return false;
        }
        !self.runs.values().any(|other| other.holds_slot() && self.excludes(run, other))
    }

    /// The run's first attempt. A run that starts while its job's breaker is
    /// not closed is the probe.
    fn start_run(&mut self, id: RunId, now: Millis) {
        self.queue.remove(id);
        let order = self.next_order();
        let key = self.runs[&id].job;
        let job = self.job_mut(key);
        job.last_started = Some(order);
        job.stats.last_run_at = Some(now);
        let probe = job.breaker != Breaker::Closed;
        let covers_until = self.runs[&id].covers_until;
        self.job_mut(key).tick_served(covers_until);
        let run = self.runs.get_mut(&id).expect("starting a live run");
        run.probe = probe;
        run.started_at = Some(now);
        let trigger = run.trigger;
        self.start_attempt(id, 1, trigger, now);
    }

    /// The host took the `Start` of `id`'s attempt at `now`: its clock starts
    /// again from there (see `take_outputs`).
    pub(super) fn attempt_taken(&mut self, id: RunId, now: Millis) {
        let Some(run) = self.runs.get_mut(&id) else { return };
        run.taken = true;
        if let RunPhase::Running { since, timeout_at } = &mut run.phase {
            let late = now.saturating_sub(*since);
            if late > 0 {
                *since = now;
                *timeout_at = timeout_at.map(|at| at.saturating_add(late));
                let (key, first) = (run.job, run.attempt == 1);
                if first {
                    run.started_at = Some(now);
                    self.job_mut(key).stats.last_run_at = Some(now);
                }
            }
        }
    }

    /// Hands an attempt to the host. From here the run counts as running,
    /// whether the host has taken its `Start` yet or not.
    pub(super) fn start_attempt(&mut self, id: RunId, attempt: u32, trigger: Trigger, now: Millis) {
        let key = self.runs[&id].job;
        let spec = &self.job(key).spec;
        let timeout_ms = spec.timeout_ms;
        let timeout_at = (spec.enforce_timeout && timeout_ms > 0)
            .then(|| now.saturating_add(timeout_ms.min(i64::MAX as u64) as Millis));
        let run = self.runs.get_mut(&id).expect("starting a live run");
        run.attempt = attempt;
        run.taken = false;
        run.phase = RunPhase::Running { since: now, timeout_at };
        let (dead_letter, scheduled_at) = (run.dead_letter, run.scheduled_at);
        let job = self.name_of(key);
        self.emit(Output::Start { run: id, job, attempt, trigger, timeout_ms, dead_letter, scheduled_at });
    }
}
