//! The end of an attempt as the host reports it, and the end of a run.

use super::super::clock::Millis;
use super::super::spec::Mode;
use super::failures::Failure;
use super::job::Breaker;
use super::{JobKey, Lifecycle, Machine, Output, RunId, RunOutcome, RunPhase};

/// Milliseconds between two times, 0 if the clock went back.
pub(super) fn elapsed(since: Millis, now: Millis) -> u64 {
    now.saturating_sub(since).max(0) as u64
}

/// A span in ms as a time offset.
pub(super) fn offset(ms: u64) -> Millis {
    ms.min(i64::MAX as u64) as Millis
}

impl Machine {
    /// The host reports the current attempt of `run`. Ignored unless that run
    /// has an attempt out: an unknown id, a run the machine already ended
    /// (stop's deadline, an enforced timeout) or cancelled.
    pub fn run_finished(&mut self, run: RunId, attempt: u32, outcome: RunOutcome, now: Millis) {
        let Some(live) = self.runs.get(&run) else { return };
        // An attempt the machine already ended (an enforced timeout, stop's
        // deadline) may still report, even while a later attempt runs.
        if !matches!(live.phase, RunPhase::Running { .. }) || live.attempt != attempt {
            return;
        }
        match outcome {
            RunOutcome::Success => self.succeed(run, now),
            RunOutcome::Failure { error } => self.fail_attempt(run, error, Failure::Error, now),
        }
        self.settle(now);
    }

    /// The current (or last) attempt of a live run.
    #[cfg(test)]
    pub fn attempt_of(&self, run: RunId) -> Option<u32> {
        self.runs.get(&run).map(|live| live.attempt)
    }

    fn succeed(&mut self, id: RunId, now: Millis) {
        let since = self.attempt_start(id);
        let key = self.runs[&id].job;
        let dead_letter = self.runs[&id].dead_letter;
        let order = self.next_order();
        let duration_ms = elapsed(since, now);
        let job = self.job_mut(key);
        job.last_succeeded = Some(order);
        job.stats.runs += 1;
        job.stats.successes += 1;
        job.stats.consecutive_failures = 0;
        job.stats.last_success_at = Some(now);
        job.stats.last_duration_ms = Some(duration_ms);
        let breaker_closes = job.breaker != Breaker::Closed;
        job.breaker = Breaker::Closed;
        let name = job.name.clone();
        self.emit(Output::Succeeded { run: id, job: name.clone(), duration_ms });
        if breaker_closes {
            self.emit(Output::BreakerClose { job: name });
        }
        if let Some(letter) = dead_letter {
            if self.dead_letters.remove(letter) {
                self.emit(Output::DeadLetterRemoved { id: letter });
            }
        }
        self.end_run(id, true, now);
        if self.jobs.contains_key(&key) {
            self.on_dependency_succeeded(key);
        }
    }

    /// When the current attempt of a running run started.
    pub(super) fn attempt_start(&self, id: RunId) -> Millis {
        match self.runs[&id].phase {
            RunPhase::Running { since, .. } => since,
            RunPhase::Waiting | RunPhase::Retrying { .. } => unreachable!("only a running attempt ends"),
        }
    }

    /// The run is over: frees its job, and lines up what follows a run of
    /// it (a continuous job's next start, a dependency-driven job's next run).
    pub(super) fn end_run(&mut self, id: RunId, succeeded: bool, now: Millis) {
        let key: JobKey = self.forget_run(id).job;
        if self.lifecycle != Lifecycle::Running || !self.jobs.contains_key(&key) {
            return;
        }
        let job = self.job_mut(key);
        if job.spec.mode == Mode::Continuous && job.enabled {
            let wait = if succeeded {
                offset(job.spec.gap_ms)
            } else {
                offset(job.spec.retry_backoff.delay(job.stats.consecutive_failures).as_millis() as u64)
            };
            let mut next = now.saturating_add(wait);
            if let Breaker::Open { until } = job.breaker {
                next = next.max(until);
            }
            job.next_tick = Some(next);
        }
        self.offer_dependency_run(key);
    }
}
