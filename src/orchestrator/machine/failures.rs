//! Failed attempts: retries with back-off, and a run's final failure, which
//! counts towards disabling the job or opening its breaker and files a dead
//! letter.

use super::super::clock::Millis;
use super::finish::{elapsed, offset};
use super::job::Breaker;
use super::{Lifecycle, Machine, Output, RunId, RunPhase};

/// How an attempt failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Failure {
    /// It threw, or its worker crashed.
    Error,
    /// An enforced timeout.
    TimedOut,
    /// Across replicas: the replica that ran it died (or lost the lead).
    ReplicaLost,
}

impl Machine {
    /// The current attempt of `id` failed. With attempts left (and the
    /// orchestrator running, the job registered, the run not a breaker's
    /// probe) the run waits for a retry, holding its slot; else it fails.
    pub(super) fn fail_attempt(&mut self, id: RunId, error: String, failure: Failure, now: Millis) {
        let run = &self.runs[&id];
        let (key, attempt, probe) = (run.job, run.attempt, run.probe);
        let job = self.job(key);
        let will_retry = attempt <= job.spec.retries && !probe && !job.removed && self.lifecycle == Lifecycle::Running;
        // A lost replica says nothing of the job: its retry starts at once.
        let delay = will_retry.then(|| match failure {
            Failure::ReplicaLost => 0,
            _ => offset(job.spec.retry_backoff.delay(attempt).as_millis() as u64),
        });
        let name = job.name.clone();
        self.job_mut(key).stats.last_error = Some(error.clone());
        self.emit(Output::Failed {
            run: id,
            job: name,
            attempt,
            error: error.clone(),
            timed_out: failure == Failure::TimedOut,
            replica_lost: failure == Failure::ReplicaLost,
            will_retry,
        });
        match delay {
            Some(delay) => {
                let run = self.runs.get_mut(&id).expect("failing a live run");
                run.phase = RunPhase::Retrying { at: now.saturating_add(delay) };
            }
            None => self.fail_run(id, error, now),
        }
    }

    /// An enforced timeout: the machine aborts and fails the attempt itself,
    /// since nothing can kill a main-thread job.
    pub(super) fn on_attempt_timeout(&mut self, id: RunId, now: Millis) {
        let timeout_ms = self.job(self.runs[&id].job).spec.timeout_ms;
        self.emit(Output::Abort { run: id, timed_out: true });
        self.fail_attempt(id, format!("timed out after {timeout_ms} ms"), Failure::TimedOut, now);
    }

    /// A retry's back-off is over: the next attempt starts at once (the run
    /// kept its slot and exclusions meanwhile).
    pub(super) fn on_retry_due(&mut self, id: RunId, now: Millis) {
        let attempt = self.runs[&id].attempt + 1;
        self.start_attempt(id, attempt, super::Trigger::Retry, now);
    }

    /// The run failed for good.
    fn fail_run(&mut self, id: RunId, error: String, now: Millis) {
        let since = self.attempt_start(id);
        let run = &self.runs[&id];
        let (key, attempts, probe, retried_letter) = (run.job, run.attempt, run.probe, run.dead_letter);
        let job = self.job_mut(key);
        job.stats.runs += 1;
        job.stats.failures += 1;
        job.stats.consecutive_failures += 1;
        job.stats.last_duration_ms = Some(elapsed(since, now));
        let name = job.name.clone();
        self.file_dead_letter(id, &name, retried_letter, &error, attempts, now);
        if !self.job(key).removed {
            self.count_towards_disabling(key, probe, now);
        }
        self.end_run(id, false, now);
        if self.jobs.contains_key(&key) {
            self.on_dependency_failed(key, now);
        }
    }

    /// A failed retry of a dead letter updates that letter; any other failed
    /// run files a new one, evicting the oldest past the limit.
    fn file_dead_letter(
        &mut self,
        run: RunId,
        job: &str,
        retried_letter: Option<u64>,
        error: &str,
        attempts: u32,
        now: Millis,
    ) {
        if let Some(letter) = retried_letter.and_then(|id| self.dead_letters.get_mut(id)) {
            letter.error = error.to_owned();
            letter.attempts += attempts;
            letter.failed_at = now;
            return;
        }
        let (letter, evicted) = self.dead_letters.add(job, run, error, attempts, now);
        self.emit(Output::DeadLetter {
            id: letter.id,
            job: letter.job,
            run,
            error: letter.error,
            attempts: letter.attempts,
        });
        for id in evicted {
            self.emit(Output::DeadLetterRemoved { id });
        }
    }

    /// `max_consecutive_failures` reached: the breaker opens (a failed probe
    /// reopens it), or without a breaker the job is disabled.
    fn count_towards_disabling(&mut self, key: super::JobKey, probe: bool, now: Millis) {
        let job = self.job_mut(key);
        let limit = job.spec.max_consecutive_failures;
        let reached = limit > 0 && job.stats.consecutive_failures >= limit;
        if !reached && !probe {
            return;
        }
        match job.spec.breaker_cooldown_ms {
            Some(cooldown_ms) => {
                let was_open = job.breaker_is_open();
                job.breaker = Breaker::Open { until: now.saturating_add(offset(cooldown_ms)) };
                if !was_open {
                    let job = job.name.clone();
                    self.emit(Output::BreakerOpen { job });
                }
            }
            None if job.enabled => {
                job.enabled = false;
                job.disabled_by_failures = true;
                let consecutive_failures = job.stats.consecutive_failures;
                let job = job.name.clone();
                self.emit(Output::Disabled { job, consecutive_failures });
            }
            None => {}
        }
    }
}
