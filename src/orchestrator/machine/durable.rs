//! The machine's durable state, for an orchestrator its replicas share. One
//! replica (the leader) runs the machine; after each step it takes the
//! `Changes` and stores them before acting on the outputs of that step. A
//! new leader `resume`s from what was stored: each job's record, the dead
//! letters, the counters, and the runs that were out when the last leader
//! went (failed as lost, and retried under the job's `retries`).
//!
//! What makes a tick run once: `ticks_done` is stored with the start (or the
//! skip) of the run that serves the tick, in the same write; a new leader
//! serves every tick after it. Ticks that fell while no replica was alive
//! (`alive_since`) follow the job's `CatchUp`.

use std::collections::HashMap;

use super::super::clock::Millis;
use super::super::spec::{CatchUp, Mode};
use super::failures::Failure;
use super::job::{Breaker, Job, JobKey, JobStats};
use super::outputs::{CancelReason, DeadLetter, DeadLetterId, Output, RunId, Trigger};
use super::run::{Run, RunPhase};
use super::{Lifecycle, Machine};

/// What a job's record keeps of its breaker.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BreakerRecord {
    Closed,
    Open { until: Millis },
    HalfOpen,
}

/// Everything about a job that outlives a leader.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JobRecord {
    pub enabled: bool,
    pub disabled_by_failures: bool,
    pub breaker: BreakerRecord,
    /// Where its `every` grid starts: the same on every leader.
    pub anchor: Millis,
    pub ticks_done: Option<Millis>,
    pub runs: u64,
    pub successes: u64,
    pub failures: u64,
    pub consecutive_failures: u32,
    pub last_run_at: Option<Millis>,
    pub last_success_at: Option<Millis>,
    pub last_error: Option<String>,
    pub last_duration_ms: Option<u64>,
    /// Positions in the machine's sequence of events (`dependsOn`).
    pub last_started: Option<u64>,
    pub last_succeeded: Option<u64>,
}

/// The machine's counters: ids and orders go on where the last leader's
/// stopped, so they never repeat.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counters {
    pub next_run_id: RunId,
    pub next_order: u64,
    pub next_dead_letter_id: DeadLetterId,
}

/// What changed since the last call to `take_changes`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Changes {
    pub jobs: Vec<(String, JobRecord)>,
    pub counters: Counters,
    /// Filed or updated.
    pub letters: Vec<DeadLetter>,
    pub removed_letters: Vec<DeadLetterId>,
}

impl Changes {
    /// Adds the changes of a later step (a later record of a job or letter
    /// replaces an earlier one).
    pub fn merge(&mut self, later: Changes) {
        for (name, record) in later.jobs {
            match self.jobs.iter_mut().find(|(kept, _)| *kept == name) {
                Some(kept) => kept.1 = record,
                None => self.jobs.push((name, record)),
            }
        }
        self.letters.retain(|letter| !later.removed_letters.contains(&letter.id));
        for letter in later.letters {
            match self.letters.iter_mut().find(|kept| kept.id == letter.id) {
                Some(kept) => *kept = letter,
                None => self.letters.push(letter),
            }
        }
        self.removed_letters.extend(later.removed_letters);
        self.counters = later.counters;
    }
}

/// A run that was out with a leader that is gone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LostRun {
    pub id: RunId,
    pub job: String,
    pub attempt: u32,
    pub trigger: Trigger,
    pub scheduled_at: Option<Millis>,
    pub dead_letter: Option<DeadLetterId>,
}

/// What a new leader resumes from.
#[derive(Clone, Debug, Default)]
pub struct Resume {
    pub counters: Counters,
    pub jobs: HashMap<String, JobRecord>,
    /// Oldest first.
    pub dead_letters: Vec<DeadLetter>,
    pub lost_runs: Vec<LostRun>,
    /// Since when replicas have been alive without a break.
    pub alive_since: Millis,
}

impl Machine {
    /// The durable state changed since the last call (every job's record
    /// the first time, as the machine starts with all of them changed).
    pub fn take_changes(&mut self) -> Changes {
        let keys = std::mem::take(&mut self.changed_jobs);
        let jobs = keys
            .into_iter()
            .filter_map(|key| self.jobs.get(&key))
            .filter(|job| !job.removed)
            .map(|job| (job.name.clone(), record_of(job)))
            .collect();
        let (letters, removed_letters) = self.dead_letters.take_changes();
        Changes { jobs, counters: self.counters(), letters, removed_letters }
    }

    fn counters(&self) -> Counters {
        Counters {
            next_run_id: self.next_run_id,
            next_order: self.next_order + 1,
            next_dead_letter_id: self.dead_letters.next_id(),
        }
    }

    /// `start`, for a leader taking over: jobs with a record go on from it,
    /// the others start afresh; lost runs fail (and are retried); ticks since
    /// `ticks_done` are served, each once.
    pub fn resume(&mut self, resume: Resume, now: Millis) -> Result<(), String> {
        if self.lifecycle != Lifecycle::Stopped {
            return Err("the orchestrator is already started".to_owned());
        }
        self.check_dependencies()?;
        let Resume { counters, jobs, dead_letters, lost_runs, alive_since } = resume;
        self.next_run_id = self.next_run_id.max(counters.next_run_id);
        self.next_order = self.next_order.max(counters.next_order);
        self.dead_letters.restore(dead_letters, counters.next_dead_letter_id);
        self.lifecycle = Lifecycle::Running;
        self.alive_since = alive_since.min(now);
        self.owed_until = now;
        self.durable = true;
        let resumed: Vec<JobKey> = self
            .registered_keys()
            .into_iter()
            .filter(|key| match jobs.get(&self.job(*key).name) {
                Some(record) => {
                    apply_record(self.job_mut(*key), record);
                    true
                }
                None => false,
            })
            .collect();
        // Cool-downs that ended meanwhile end now.
        self.advance(now);
        for lost in lost_runs {
            self.adopt_lost_run(lost, now);
        }
        for key in self.registered_keys() {
            if resumed.contains(&key) {
                self.schedule_resumed(key);
            } else {
                self.start_job(key, now);
            }
        }
        self.settle(now);
        Ok(())
    }

    /// A run its leader took away: failed at once (`replicaLost`), and
    /// retried like any failed attempt. One of a job this replica does not
    /// have (or that has a run already) is cancelled.
    fn adopt_lost_run(&mut self, lost: LostRun, now: Millis) {
        self.next_run_id = self.next_run_id.max(lost.id + 1);
        let key = self.names.get(&lost.job).copied().filter(|key| self.job(*key).run.is_none());
        let Some(key) = key else {
            self.emit(Output::Cancelled { run: lost.id, job: lost.job, reason: CancelReason::NotFound });
            return;
        };
        let probe = self.job(key).breaker != Breaker::Closed;
        self.runs.insert(
            lost.id,
            Run {
                id: lost.id,
                job: key,
                trigger: lost.trigger,
                dead_letter: lost.dead_letter,
                scheduled_at: lost.scheduled_at,
                covers_until: lost.scheduled_at,
                started_at: Some(now),
                attempt: lost.attempt.max(1),
                phase: RunPhase::Running { since: now, timeout_at: None },
                probe,
                taken: true,
            },
        );
        let job = self.job_mut(key);
        job.run = Some(lost.id);
        job.tick_served(lost.scheduled_at);
        self.fail_attempt(lost.id, "the replica running it was lost".to_owned(), Failure::ReplicaLost, now);
    }

    /// The next tick of a job that goes on from its record: the first after
    /// `ticks_done`, unless it fell while no replica was alive and the job
    /// skips those.
    fn schedule_resumed(&mut self, key: JobKey) {
        let alive_since = self.alive_since;
        let job = self.job_mut(key);
        match job.spec.mode {
            Mode::Scheduled => {
                let first = match job.ticks_done {
                    // Its start was its first tick, and it is still owed.
                    None if job.spec.run_on_start => Some(job.anchor),
                    done => job.spec.schedule.next_after(job.anchor, done.unwrap_or(job.anchor)),
                };
                job.next_tick = match first {
                    Some(tick) if tick < alive_since && job.spec.catch_up == CatchUp::Skip => {
                        job.spec.schedule.next_after(job.anchor, alive_since - 1)
                    }
                    other => other,
                };
            }
            Mode::Continuous => {
                if job.run.is_none() && job.enabled {
                    let now = self.owed_until;
                    self.offer_run(key, Trigger::Continuous, None, now);
                }
            }
            Mode::Triggered => self.offer_dependency_run(key),
        }
    }
}

fn record_of(job: &Job) -> JobRecord {
    let stats = &job.stats;
    JobRecord {
        enabled: job.enabled,
        disabled_by_failures: job.disabled_by_failures,
        breaker: match job.breaker {
            Breaker::Closed => BreakerRecord::Closed,
            Breaker::Open { until } => BreakerRecord::Open { until },
            Breaker::HalfOpen => BreakerRecord::HalfOpen,
        },
        anchor: job.anchor,
        ticks_done: job.ticks_done,
        runs: stats.runs,
        successes: stats.successes,
        failures: stats.failures,
        consecutive_failures: stats.consecutive_failures,
        last_run_at: stats.last_run_at,
        last_success_at: stats.last_success_at,
        last_error: stats.last_error.clone(),
        last_duration_ms: stats.last_duration_ms,
        last_started: job.last_started,
        last_succeeded: job.last_succeeded,
    }
}

fn apply_record(job: &mut Job, record: &JobRecord) {
    job.enabled = record.enabled;
    job.disabled_by_failures = record.disabled_by_failures;
    job.breaker = match record.breaker {
        BreakerRecord::Closed => Breaker::Closed,
        BreakerRecord::Open { until } => Breaker::Open { until },
        BreakerRecord::HalfOpen => Breaker::HalfOpen,
    };
    job.anchor = record.anchor;
    job.ticks_done = record.ticks_done;
    job.stats = JobStats {
        runs: record.runs,
        successes: record.successes,
        failures: record.failures,
        consecutive_failures: record.consecutive_failures,
        last_run_at: record.last_run_at,
        last_success_at: record.last_success_at,
        last_error: record.last_error.clone(),
        last_duration_ms: record.last_duration_ms,
    };
    job.last_started = record.last_started;
    job.last_succeeded = record.last_succeeded;
}
