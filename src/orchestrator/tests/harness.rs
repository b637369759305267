//! A host around a machine on a fake clock, and spec constructors.

use std::time::Duration;

use crate::core::Backoff;
use crate::orchestrator::clock::Millis;
use crate::orchestrator::machine::{Machine, Output, RunId, RunOutcome, SkipReason, Trigger};
use crate::orchestrator::{CatchUp, CronSchedule, JobSpec, Mode, OrchestratorConfig, Schedule};

/// Where the fake clock starts: any time will do, a round one reads well.
pub(super) const T0: Millis = 1_700_000_000_000;

pub(super) struct Sim {
    pub(super) machine: Machine,
    pub(super) now: Millis,
    /// The most runs seen holding a slot at once during `play`.
    pub(super) most_slots_taken: usize,
}

/// A `Start` output, unpacked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Started {
    pub(super) run: RunId,
    pub(super) job: String,
    pub(super) attempt: u32,
    pub(super) trigger: Trigger,
}

impl Sim {
    pub(super) fn new(max_concurrent_jobs: usize) -> Sim {
        Sim::with_config(OrchestratorConfig { max_concurrent_jobs, dead_letter_limit: 100 })
    }

    pub(super) fn with_config(config: OrchestratorConfig) -> Sim {
        Sim { machine: Machine::new(config), now: T0, most_slots_taken: 0 }
    }

    pub(super) fn register(&mut self, name: &str, spec: JobSpec) {
        self.machine.register(name, spec, self.now).unwrap();
    }

    pub(super) fn start(&mut self) -> Vec<Output> {
        self.machine.start(self.now).unwrap();
        self.take()
    }

    pub(super) fn take(&mut self) -> Vec<Output> {
        self.machine.take_outputs(self.now)
    }

    /// Moves the clock to `at` and handles what is due.
    pub(super) fn advance_to(&mut self, at: Millis) -> Vec<Output> {
        assert!(at >= self.now, "the fake clock moves forward only, unless a test says otherwise");
        self.now = at;
        self.machine.advance(at);
        self.take()
    }

    pub(super) fn advance_by(&mut self, ms: Millis) -> Vec<Output> {
        self.advance_to(self.now + ms)
    }

    /// Moves the clock to the next deadline, as the driver's timer would.
    pub(super) fn jump_to_next_deadline(&mut self) -> Vec<Output> {
        let at = self.machine.next_deadline().expect("a deadline is armed");
        self.advance_to(at)
    }

    pub(super) fn succeed(&mut self, run: RunId) -> Vec<Output> {
        self.machine.run_finished(run, self.attempt_of(run), RunOutcome::Success, self.now);
        self.take()
    }

    pub(super) fn fail(&mut self, run: RunId, error: &str) -> Vec<Output> {
        self.machine.run_finished(run, self.attempt_of(run), RunOutcome::Failure { error: error.to_owned() }, self.now);
        self.take()
    }

    /// The attempt of `run` now out with the host, which `succeed` and `fail` report.
    pub(super) fn attempt_of(&self, run: RunId) -> u32 {
        self.machine.attempt_of(run).unwrap_or(0)
    }

    pub(super) fn trigger(&mut self, name: &str) -> RunId {
        self.machine.trigger(name, self.now).unwrap()
    }
}

pub(super) fn starts(outputs: &[Output]) -> Vec<Started> {
    outputs
        .iter()
        .filter_map(|output| match output {
            Output::Start { run, job, attempt, trigger, .. } => {
                Some(Started { run: *run, job: job.clone(), attempt: *attempt, trigger: *trigger })
            }
            _ => None,
        })
        .collect()
}

/// The one `Start` in `outputs`.
pub(super) fn started(outputs: &[Output]) -> Started {
    let all = starts(outputs);
    assert_eq!(all.len(), 1, "one start expected in {outputs:?}");
    all[0].clone()
}

/// The one `Start` of `job` in `outputs`.
pub(super) fn started_job(outputs: &[Output], job: &str) -> Started {
    let all: Vec<_> = starts(outputs).into_iter().filter(|start| start.job == job).collect();
    assert_eq!(all.len(), 1, "one start of {job} expected in {outputs:?}");
    all[0].clone()
}

pub(super) fn skipped(job: &str, reason: SkipReason) -> Output {
    Output::Skipped { job: job.to_owned(), reason }
}

pub(super) fn started_jobs(outputs: &[Output]) -> Vec<String> {
    starts(outputs).into_iter().map(|start| start.job).collect()
}

/// Retry back-off of 100 ms doubling up to 1 s: a delay for attempt `n` is in
/// `[0.75, 1.0] * min(100 * 2^(n-1), 1000)` (jitter).
pub(super) fn backoff() -> Backoff {
    Backoff { initial: Duration::from_millis(100), max: Duration::from_millis(1_000) }
}

/// Whether `delay` is what `backoff()` may give for `failures`.
pub(super) fn within_backoff(delay: Millis, failures: u32) -> bool {
    let nominal = (100 << (failures - 1).min(10)).min(1_000);
    (nominal * 3 / 4..=nominal).contains(&delay)
}

fn base(mode: Mode, schedule: Schedule) -> JobSpec {
    JobSpec {
        mode,
        schedule,
        run_on_start: false,
        gap_ms: 0,
        timeout_ms: 0,
        enforce_timeout: false,
        retries: 0,
        retry_backoff: backoff(),
        priority: 1,
        max_consecutive_failures: 0,
        breaker_cooldown_ms: None,
        depends_on: Vec::new(),
        blocks: Vec::new(),
        catch_up: CatchUp::Once,
    }
}

/// Scheduled every `ms`, no run at start, no retries, never disabled.
pub(super) fn every(ms: u64) -> JobSpec {
    base(Mode::Scheduled, Schedule::Every { period_ms: ms })
}

pub(super) fn cron(expression: &str) -> JobSpec {
    base(Mode::Scheduled, Schedule::Cron(Box::new(CronSchedule::parse(expression, "UTC").unwrap())))
}

pub(super) fn triggered() -> JobSpec {
    base(Mode::Triggered, Schedule::None)
}

pub(super) fn continuous(gap_ms: u64) -> JobSpec {
    JobSpec { gap_ms, ..base(Mode::Continuous, Schedule::None) }
}

pub(super) fn names(names: &[&str]) -> Vec<String> {
    names.iter().map(|name| (*name).to_owned()).collect()
}

/// What `Sim::play` saw: each output with the time it came out.
pub(super) type Log = Vec<(Millis, Output)>;

impl Sim {
    /// Plays the host until `until`: every `Start` is answered after
    /// `attempt(start)` = (duration, succeeds), and time jumps from event to
    /// event (the machine's deadlines, the runs' ends; ends first on a tie).
    pub(super) fn play(&mut self, until: Millis, mut attempt: impl FnMut(&Started) -> (Millis, bool)) -> Log {
        let mut log = Log::new();
        let mut ends: std::collections::BTreeMap<(Millis, RunId), bool> = std::collections::BTreeMap::new();
        let mut outputs = self.take();
        loop {
            self.most_slots_taken = self.most_slots_taken.max(self.machine.status().running);
            for output in outputs.drain(..) {
                match &output {
                    Output::Start { run, job, attempt: number, trigger, .. } => {
                        let start = Started { run: *run, job: job.clone(), attempt: *number, trigger: *trigger };
                        let (duration, ok) = attempt(&start);
                        ends.insert((self.now + duration, *run), ok);
                    }
                    Output::Abort { run, .. } => ends.retain(|(_, ended), _| ended != run),
                    _ => {}
                }
                log.push((self.now, output));
            }
            let next_end = ends.keys().next().copied();
            let next_deadline = self.machine.next_deadline();
            match (next_end, next_deadline) {
                (Some((at, run)), deadline) if at <= until && deadline.is_none_or(|deadline| at <= deadline) => {
                    let ok = ends.remove(&(at, run)).expect("listed");
                    self.now = at;
                    outputs = if ok { self.succeed(run) } else { self.fail(run, "failed") };
                }
                // A held tick (across replicas) may be due since before now.
                (_, Some(deadline)) if deadline <= until => outputs = self.advance_to(deadline.max(self.now)),
                _ => break,
            }
        }
        log
    }
}

/// Intervals `[start, end)` of every attempt of `job` in `log` (an attempt
/// still out at the end of the log is left out).
pub(super) fn attempts_of(log: &Log, job: &str) -> Vec<(Millis, Millis)> {
    let mut open: std::collections::HashMap<RunId, Millis> = std::collections::HashMap::new();
    let mut intervals = Vec::new();
    for (at, output) in log {
        match output {
            Output::Start { run, job: name, .. } if name == job => {
                open.insert(*run, *at);
            }
            Output::Succeeded { run, .. } | Output::Failed { run, .. } => {
                if let Some(start) = open.remove(run) {
                    intervals.push((start, *at));
                }
            }
            _ => {}
        }
    }
    intervals
}

/// Most attempts out at once in `log`.
pub(super) fn most_at_once(log: &Log) -> usize {
    let (mut out, mut most) = (0usize, 0usize);
    for (_, output) in log {
        match output {
            Output::Start { .. } => {
                out += 1;
                most = most.max(out);
            }
            Output::Succeeded { .. } | Output::Failed { .. } => out -= 1,
            _ => {}
        }
    }
    most
}
