//! Registering and unregistering jobs, enabling and disabling them.

use super::super::clock::Millis;
use super::super::schedule::Schedule;
use super::super::spec::{JobSpec, Mode};
use super::job::{Breaker, Job};
use super::{Lifecycle, Machine, Output, SkipReason};

impl Machine {
    /// Fails on a duplicate name or a spec that makes no job; on a running
    /// orchestrator also on unknown dependencies or a cycle, as `start` would.
    /// On a running orchestrator the job starts at once: its `every` grid is
    /// anchored here, and `run_on_start` runs it now.
    pub fn register(&mut self, name: &str, spec: JobSpec, now: Millis) -> Result<(), String> {
        if self.names.contains_key(name) {
            return Err(format!("a job named '{name}' is already registered"));
        }
        check_spec(name, &spec)?;
        let key = self.next_job_key;
        self.next_job_key += 1;
        self.jobs.insert(key, Job::new(name.to_owned(), spec));
        self.names.insert(name.to_owned(), key);
        if self.lifecycle == Lifecycle::Running {
            if let Err(error) = self.check_dependencies() {
                self.jobs.remove(&key);
                self.names.remove(name);
                return Err(error);
            }
            self.start_job(key, now);
            self.settle(now);
        }
        Ok(())
    }

    /// Stops scheduling a job. Its waiting run (and a run waiting for a
    /// retry) is cancelled (`NotFound`); a running one finishes and reports.
    /// Refused while running for a job others depend on: they would wait for
    /// ever.
    pub fn unregister(&mut self, name: &str, now: Millis) -> Result<(), String> {
        let key = *self.names.get(name).ok_or_else(|| format!("no job named '{name}'"))?;
        if self.lifecycle == Lifecycle::Running {
            let dependents: Vec<String> = self
                .jobs
                .values()
                .filter(|job| !job.removed && job.depends_on(name))
                .map(|job| format!("'{}'", job.name))
                .collect();
            if !dependents.is_empty() {
                return Err(format!("job '{name}' is a dependency of {}", dependents.join(", ")));
            }
        }
        self.names.remove(name);
        let job = self.job_mut(key);
        job.removed = true;
        job.next_tick = None;
        let run = job.run;
        match run {
            None => {
                self.jobs.remove(&key);
            }
            Some(run) if !matches!(self.runs[&run].phase, super::RunPhase::Running { .. }) => {
                self.cancel_run(run, super::CancelReason::NotFound);
            }
            Some(_) => {}
        }
        self.settle(now);
        Ok(())
    }

    /// Replaces a job's definition, keeping its state (counts, health, the
    /// ticks it served): across replicas, a newer replica's options for the
    /// job (a rolling deploy). A scheduled job's next tick is the first of
    /// the new schedule after the last tick served, so no tick runs twice
    /// and none is more than a period away. A run under way finishes as it
    /// began. Refused, changing nothing, for a spec that makes no job or a
    /// dependency graph that no longer holds.
    pub fn redefine(&mut self, name: &str, spec: JobSpec, now: Millis) -> Result<(), String> {
        let key = self.key_of(name)?;
        check_spec(name, &spec)?;
        let old = std::mem::replace(&mut self.job_mut(key).spec, spec);
        if self.lifecycle == Lifecycle::Running {
            if let Err(error) = self.check_dependencies() {
                self.job_mut(key).spec = old;
                return Err(error);
            }
        }
        let job = self.job_mut(key);
        if job.spec.mode != Mode::Scheduled {
            job.next_tick = None;
        } else if job.next_tick.is_some() || old.mode != Mode::Scheduled {
            let after = job.ticks_done.unwrap_or(job.anchor).max(job.anchor);
            job.next_tick = job.spec.schedule.next_after(job.anchor, after);
        }
        if self.lifecycle == Lifecycle::Running && old.mode != Mode::Scheduled && self.job(key).run.is_none() {
            let job = self.job(key);
            if job.spec.mode == Mode::Continuous && job.enabled {
                self.offer_run(key, super::Trigger::Continuous, None, now);
            }
        }
        self.settle(now);
        Ok(())
    }

    /// Resets the failure count, closes the breaker and enables the job.
    pub fn enable(&mut self, name: &str, now: Millis) -> Result<(), String> {
        let key = self.key_of(name)?;
        let running = self.lifecycle == Lifecycle::Running;
        let job = self.job_mut(key);
        job.enabled = true;
        job.disabled_by_failures = false;
        job.stats.consecutive_failures = 0;
        let was_open = job.breaker != Breaker::Closed;
        job.breaker = Breaker::Closed;
        // A disabled continuous job stopped its loop; this resumes it.
        if running && job.spec.mode == Mode::Continuous && job.run.is_none() && job.next_tick.is_none() {
            job.next_tick = Some(now);
        }
        if was_open {
            let job = self.name_of(key);
            self.emit(Output::BreakerClose { job });
        }
        self.settle(now);
        Ok(())
    }

    /// The job's ticks are skipped (`Disabled`) until `enable()`; a run that
    /// already started finishes, and `trigger()` still works. A run that was
    /// only waiting for its slot or dependencies is dropped.
    pub fn disable(&mut self, name: &str, now: Millis) -> Result<(), String> {
        let key = self.key_of(name)?;
        let job = self.job_mut(key);
        job.enabled = false;
        job.disabled_by_failures = false;
        if job.spec.mode == Mode::Continuous {
            job.next_tick = None;
        }
        if let Some(id) = job.run {
            let run = &self.runs[&id];
            if run.is_waiting() && !run.is_manual() {
                self.forget_run(id);
                let job = self.name_of(key);
                self.emit(Output::Skipped { job, reason: SkipReason::Disabled });
            }
        }
        self.settle(now);
        Ok(())
    }

    fn key_of(&self, name: &str) -> Result<super::JobKey, String> {
        self.names.get(name).copied().ok_or_else(|| format!("no job named '{name}'"))
    }
}

/// What makes no job: a mode without the schedule it needs, or with one it
/// would never use.
fn check_spec(name: &str, spec: &JobSpec) -> Result<(), String> {
    match (spec.mode, &spec.schedule) {
        (Mode::Scheduled, Schedule::None) => Err(format!("job '{name}' is scheduled but has no schedule")),
        (Mode::Scheduled, Schedule::Every { period_ms: 0 }) => {
            Err(format!("job '{name}' has an 'every' period of 0 ms"))
        }
        (Mode::Triggered | Mode::Continuous, Schedule::Every { .. } | Schedule::Cron(_)) => {
            Err(format!("job '{name}' is {} and cannot have a schedule", spec.mode.as_str()))
        }
        _ => Ok(()),
    }
}
