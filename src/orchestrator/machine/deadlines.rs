//! Everything the machine waits for in time, and `advance`, which handles
//! what is due. There is no other wake-up: `next_deadline()` is the minimum
//! of these, and between two deadlines the machine needs nothing.

use super::super::clock::Millis;
use super::job::{Breaker, JobKey};
use super::{Lifecycle, Machine, RunId, RunPhase};

/// One armed deadline. Ties at the same millisecond are handled in this
/// order: an attempt's timeout before stop's deadline aborts it, a breaker's
/// cool-down before the tick it lets through.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Deadline {
    AttemptTimeout(RunId),
    BreakerCooled(JobKey),
    RetryDue(RunId),
    Tick(JobKey),
    Stop,
}

impl Machine {
    /// The earliest armed deadline: ticks and continuous starts, retry
    /// back-offs, breaker cool-downs, enforced timeouts, stop's deadline.
    pub fn next_deadline(&self) -> Option<Millis> {
        self.earliest_deadline().map(|(at, _)| at)
    }

    /// Handles every deadline at or before `now`, earliest first. Each
    /// handler moves its deadline past `now`, removes it, or (an owed tick)
    /// moves it to a later one, so this ends. The deadlines due are taken in
    /// one scan and handled in order, each checked again first (a handler
    /// may have moved another's); what handlers made due is the next scan's.
    /// (A thousand jobs ticking at the same instant cost one scan, not one
    /// per tick.)
    pub fn advance(&mut self, now: Millis) {
        loop {
            let due = self.due_deadlines(now);
            if due.is_empty() {
                break;
            }
            for (_, deadline) in due {
                if !self.still_due(deadline, now) {
                    continue;
                }
                match deadline {
                    Deadline::AttemptTimeout(run) => self.on_attempt_timeout(run, now),
                    Deadline::BreakerCooled(job) => self.job_mut(job).breaker = Breaker::HalfOpen,
                    Deadline::RetryDue(run) => self.on_retry_due(run, now),
                    Deadline::Tick(job) => self.on_tick(job, now),
                    Deadline::Stop => self.abort_at_stop_deadline(),
                }
            }
        }
        self.settle(now);
    }

    /// Every deadline at or before `now`, in the order they are handled.
    fn due_deadlines(&self, now: Millis) -> Vec<(Millis, Deadline)> {
        let mut due: Vec<_> = self.deadlines().filter(|(at, _)| *at <= now).collect();
        due.sort_unstable();
        due
    }

    /// Whether `deadline` is (still) armed at or before `now`.
    fn still_due(&self, deadline: Deadline, now: Millis) -> bool {
        let due = |at: Option<Millis>| at.is_some_and(|at| at <= now);
        match deadline {
            Deadline::AttemptTimeout(run) => due(self.runs.get(&run).and_then(|run| match run.phase {
                RunPhase::Running { timeout_at, .. } => timeout_at,
                _ => None,
            })),
            Deadline::RetryDue(run) => due(self.runs.get(&run).and_then(|run| match run.phase {
                RunPhase::Retrying { at } => Some(at),
                _ => None,
            })),
            Deadline::BreakerCooled(job) => due(self.jobs.get(&job).and_then(|job| match job.breaker {
                Breaker::Open { until } => Some(until),
                _ => None,
            })),
            Deadline::Tick(job) => {
                due(self.jobs.get(&job).and_then(|job| job.next_tick.and_then(|at| self.tick_due_at(job.run, at))))
            }
            Deadline::Stop => due(match self.lifecycle {
                Lifecycle::Stopping { deadline } => Some(deadline),
                _ => None,
            }),
        }
    }

    /// When a job's `tick` is handled, given the job's run; `None` while it
    /// waits for that run to end. Ticks owed from before a takeover wait for
    /// the run. Once resumed from durable state (across replicas, where each
    /// tick is served once), a tick behind a run that is catching up (it
    /// serves an owed tick) or has not started waits too, and a tick behind a
    /// run that started late (queued for a slot or a blocker) is handled only
    /// once that run has run for a whole period (its tick to this one): a tick
    /// is skipped as an overlap for the job's own length, not for queueing.
    fn tick_due_at(&self, run: Option<RunId>, tick: Millis) -> Option<Millis> {
        let Some(run) = run.and_then(|id| self.runs.get(&id)) else { return Some(tick) };
        if tick <= self.owed_until {
            return None;
        }
        if !self.durable {
            return Some(tick);
        }
        // Catching up, or not begun yet (waiting, or its Start not yet stored).
        if run.scheduled_at.is_some_and(|at| at <= self.owed_until) || !run.taken {
            return None;
        }
        match (run.started_at, run.scheduled_at) {
            (None, _) => None,
            (Some(started), Some(scheduled)) if scheduled < tick => {
                Some(tick.max(started.saturating_add(tick - scheduled)))
            }
            (Some(started), _) => (tick >= started).then_some(tick),
        }
    }

    fn earliest_deadline(&self) -> Option<(Millis, Deadline)> {
        self.deadlines().min()
    }

    /// Every armed deadline, in no order.
    fn deadlines(&self) -> impl Iterator<Item = (Millis, Deadline)> + '_ {
        let stop = match self.lifecycle {
            Lifecycle::Stopped => None,
            Lifecycle::Running => None,
            Lifecycle::Stopping { deadline } => Some((deadline, Deadline::Stop)),
        };
        let stopped = self.lifecycle == Lifecycle::Stopped;
        let runs = self.runs.values().filter_map(|run| match run.phase {
            RunPhase::Running { timeout_at: Some(at), .. } => Some((at, Deadline::AttemptTimeout(run.id))),
            RunPhase::Retrying { at } => Some((at, Deadline::RetryDue(run.id))),
            RunPhase::Running { timeout_at: None, .. } | RunPhase::Waiting => None,
        });
        let jobs = self.jobs.iter().flat_map(|(key, job)| {
            let cooled = match job.breaker {
                Breaker::Open { until } => Some((until, Deadline::BreakerCooled(*key))),
                Breaker::Closed | Breaker::HalfOpen => None,
            };
            let tick = job.next_tick.and_then(|at| self.tick_due_at(job.run, at)).map(|at| (at, Deadline::Tick(*key)));
            cooled.into_iter().chain(tick)
        });
        stop.into_iter().chain(runs).chain(jobs).filter(move |_| !stopped)
    }
}
