//! The orchestrator's state machine: which job runs when, and what happens
//! when a run ends. Pure and deterministic: time is an argument, never read,
//! and nothing here sleeps or polls; the driver calls `advance` at
//! `next_deadline()` and the host reports runs with `run_finished`. Every
//! decision is an `Output`, taken in order with `take_outputs`.
//!
//! Invariants:
//! - a job has at most one run (waiting, running or retrying), so it never
//!   overlaps itself (`Job::run`);
//! - at most `max_concurrent_jobs` runs hold a slot (running or retrying);
//!   waiting runs are in `queue`, and every run in `queue` is waiting;
//! - a run holds its exclusions (blocks, dependencies, its own name) for as
//!   long as it holds its slot, retries included (`exclusion.rs`);
//! - every wake-up the machine needs is a deadline (`deadlines.rs`):
//!   `next_deadline()` is the only time the driver has to call back.
//!
//! Each concern has its file: registration and enabling (`registry.rs`),
//! `start`/`stop` (`lifecycle.rs`), ticks (`ticks.rs`), slots and the waiting
//! queue (`dispatch.rs`, `queue.rs`), exclusion, dependencies (`deps.rs`),
//! the end of attempts and runs (`finish.rs`), failures, retries, disabling
//! and the breaker (`failures.rs`), dead letters, `trigger`, `status`.

mod dead_letters;
mod deadlines;
mod deps;
mod dispatch;
pub mod durable;
mod exclusion;
mod failures;
mod finish;
mod job;
mod lifecycle;
mod outputs;
mod queue;
mod registry;
mod run;
pub mod status;
mod ticks;
mod triggers;

use std::collections::{BTreeMap, HashMap};

use super::clock::Millis;
use super::spec::OrchestratorConfig;
use dead_letters::DeadLetters;
use job::{Job, JobKey, Order};
use queue::WaitQueue;
use run::{Run, RunPhase};

pub use outputs::{
    CancelReason, DeadLetter, DeadLetterId, Output, RunId, RunOutcome, SkipReason, Trigger, TriggerError,
};
pub use status::Status;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Lifecycle {
    Stopped,
    Running,
    /// No new runs; running ones finish until `deadline`, then are aborted.
    Stopping {
        deadline: Millis,
    },
}

pub struct Machine {
    config: OrchestratorConfig,
    lifecycle: Lifecycle,
    jobs: BTreeMap<JobKey, Job>,
    /// Registered jobs by name; unregistered ones that still run are in
    /// `jobs` only.
    names: HashMap<String, JobKey>,
    next_job_key: JobKey,
    /// Every run that is waiting, running or retrying; a run leaves when it
    /// ends, is cancelled or is dropped.
    runs: BTreeMap<RunId, Run>,
    next_run_id: RunId,
    queue: WaitQueue,
    dead_letters: DeadLetters,
    outputs: Vec<Output>,
    next_order: Order,
    /// Across replicas (`durable.rs`): ticks before this instant fell while
    /// no replica was alive, and follow each job's catch-up policy; ticks up
    /// to `owed_until` were due before this machine took over, and each runs.
    /// `Millis::MIN` in a machine of one process.
    alive_since: Millis,
    owed_until: Millis,
    /// Resumed from durable state (across replicas): every tick is served
    /// once, so a tick that falls due while its job's run waits is held
    /// until that run ends rather than absorbed into it.
    durable: bool,
    /// Jobs changed since the durable state was last taken.
    changed_jobs: std::collections::BTreeSet<JobKey>,
}

impl Machine {
    pub fn new(config: OrchestratorConfig) -> Machine {
        let config = OrchestratorConfig { max_concurrent_jobs: config.max_concurrent_jobs.max(1), ..config };
        Machine {
            config,
            lifecycle: Lifecycle::Stopped,
            jobs: BTreeMap::new(),
            names: HashMap::new(),
            next_job_key: 0,
            runs: BTreeMap::new(),
            next_run_id: 1,
            queue: WaitQueue::default(),
            dead_letters: DeadLetters::new(config.dead_letter_limit),
            outputs: Vec::new(),
            next_order: 0,
            alive_since: Millis::MIN,
            owed_until: Millis::MIN,
            durable: false,
            changed_jobs: Default::default(),
        }
    }

    /// Every output since the last call, in order.
    /// The outputs, in order. `now` is when the host takes them: an attempt
    /// begins then, not when the machine decided on it (the host's thread may
    /// have been blocked meanwhile), so its duration and an enforced timeout
    /// count from here.
    pub fn take_outputs(&mut self, now: Millis) -> Vec<Output> {
        let outputs = std::mem::take(&mut self.outputs);
        // A leader acts on a Start only once it is stored: it says when
        // (`start_taken`).
        if self.durable {
            return outputs;
        }
        for output in &outputs {
            if let Output::Start { run, .. } = output {
                self.attempt_taken(*run, now);
            }
        }
        outputs
    }

    /// A leader began the attempt of `run` (its Start stored): its clock
    /// starts now, and ticks behind it are judged from here.
    pub fn start_taken(&mut self, run: RunId, attempt: u32, now: Millis) {
        if self.runs.get(&run).is_some_and(|live| live.attempt == attempt && !live.taken) {
            self.attempt_taken(run, now);
        }
    }

    /// Whether outputs are waiting to be taken (the driver rings its host
    /// only when this turns true).
    pub fn has_outputs(&self) -> bool {
        !self.outputs.is_empty()
    }

    fn emit(&mut self, output: Output) {
        self.outputs.push(output);
    }

    fn job(&self, key: JobKey) -> &Job {
        &self.jobs[&key]
    }

    fn job_mut(&mut self, key: JobKey) -> &mut Job {
        self.changed_jobs.insert(key);
        self.jobs.get_mut(&key).expect("a run's job outlives the run")
    }

    fn name_of(&self, key: JobKey) -> String {
        self.job(key).name.clone()
    }

    fn next_order(&mut self) -> Order {
        self.next_order += 1;
        self.next_order
    }

    /// Registered jobs, in registration order.
    fn registered_keys(&self) -> Vec<JobKey> {
        self.jobs.iter().filter(|(_, job)| !job.removed).map(|(key, _)| *key).collect()
    }

    /// Makes a waiting run of `key` and queues it; the job must have no run.
    fn queue_run(
        &mut self,
        key: JobKey,
        trigger: Trigger,
        dead_letter: Option<DeadLetterId>,
        scheduled_at: Option<Millis>,
    ) -> RunId {
        debug_assert!(self.job(key).run.is_none(), "a job has at most one run");
        let id = self.next_run_id;
        self.next_run_id += 1;
        self.runs.insert(
            id,
            Run {
                id,
                job: key,
                trigger,
                dead_letter,
                scheduled_at,
                covers_until: scheduled_at,
                started_at: None,
                attempt: 0,
                phase: RunPhase::Waiting,
                probe: false,
                taken: false,
            },
        );
        let job = self.job_mut(key);
        job.run = Some(id);
        let priority = job.spec.priority;
        self.queue.push(id, priority);
        id
    }

    /// Takes a run out of the machine (ended, cancelled or dropped) and frees
    /// its job; an unregistered job goes with its last run.
    fn forget_run(&mut self, id: RunId) -> Run {
        let run = self.runs.remove(&id).expect("forgetting a live run");
        self.queue.remove(id);
        let job = self.job_mut(run.job);
        job.run = None;
        if job.removed {
            self.jobs.remove(&run.job);
        }
        run
    }

    /// A run that will never start or finish: its trigger promise rejects.
    fn cancel_run(&mut self, id: RunId, reason: CancelReason) {
        let job = self.name_of(self.runs[&id].job);
        self.forget_run(id);
        self.emit(Output::Cancelled { run: id, job, reason });
    }

    /// After every change: start what may start, and finish a stop once
    /// nothing runs.
    fn settle(&mut self, now: Millis) {
        self.dispatch(now);
        self.finish_stop_if_idle();
    }
}
