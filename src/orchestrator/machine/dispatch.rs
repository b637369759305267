//! Slots: who starts when a slot, a blocker or a dependency frees.

use std::collections::HashSet;

use super::super::clock::Millis;
use super::job::Breaker;
use super::{Lifecycle, Machine, Output, RunId, RunPhase, Trigger};

impl Machine {
    /// Scans the waiting runs in priority order and starts every one that may
    /// start now. A run that may not (a blocker or dependency still running,
    /// a dependency that has not succeeded yet) keeps its place and does not
    /// hold up the runs behind it.
    ///
    /// A run of a job no other job names (in `blocks` or `dependsOn`) and
    /// that names none is excluded only by a run of its own name: it is
    /// judged against the names holding slots, not against every run, so a
    /// thousand such jobs due at once cost one pass.
    pub(super) fn dispatch(&mut self, now: Millis) {
        if self.lifecycle != Lifecycle::Running {
            return;
        }
        let mut taken = self.slots_taken();
        if taken >= self.config.max_concurrent_jobs || self.queue.len() == 0 {
            return;
        }
        let related = self.related_names();
        let mut holding: HashSet<String> =
            self.runs.values().filter(|run| run.holds_slot()).map(|run| self.name_of(run.job)).collect();
        for id in self.queue.in_order() {
            if taken >= self.config.max_concurrent_jobs {
                return;
            }
            let name = self.name_of(self.runs[&id].job);
            let may = if related.contains(&name) { self.may_start(id) } else { !holding.contains(&name) };
            if may {
                self.start_run(id, now);
                taken += 1;
                holding.insert(name);
            }
        }
    }

    /// The names of jobs with `blocks` or `dependsOn`, and the names these
    /// lists hold.
    fn related_names(&self) -> HashSet<String> {
        let mut related = HashSet::new();
        for job in self.jobs.values() {
            if job.spec.blocks.is_empty() && job.spec.depends_on.is_empty() {
                continue;
            }
            related.insert(job.name.clone());
            related.extend(job.spec.blocks.iter().cloned());
            related.extend(job.spec.depends_on.iter().cloned());
        }
        related
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
