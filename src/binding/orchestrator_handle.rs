//! The main thread's handle on an orchestrator: a `Driver` on the system
//! clock and the core's timer thread, ringing JavaScript through a weak
//! threadsafe function. It decides nothing; `crate::orchestrator` does.
//!
//! The leader of an orchestrator shared by replicas makes one with its
//! `ReplicaHandle`: the machine then runs on Redis's clock, and each
//! `drain` also keeps the durable changes of the outputs it returns, for the
//! commit that must store them before JavaScript acts on those outputs.

use std::sync::Arc;

use parking_lot::Mutex;

use napi::bindgen_prelude::{Either, Function, Unknown};
use napi::{Env, Error, Result, Status};
use napi_derive::napi;

use super::main_doorbell::MainDoorbell;
use super::orchestrator_spec::JobSpecObject;
use super::orchestrator_wire as wire;
use super::replica_handle::{LostRunObject, ReplicaHandle};
use crate::core::TimerThread;
use crate::orchestrator::clock::Clock;
use crate::orchestrator::machine::durable::Changes;
use crate::orchestrator::OffsetClock;
use crate::orchestrator::{self, Driver, JobSpec, OrchestratorConfig, RunOutcome, SystemClock, TriggerError};

#[napi(object)]
pub struct OrchestratorOptions {
    pub max_concurrent_jobs: u32,
    pub dead_letter_limit: u32,
}

/// Why `trigger` or `retryDeadLetter` made no run: `{ error: 'busy' |
/// 'notFound' | 'stopped' }`.
#[napi(object)]
pub struct TriggerRefusal {
    pub error: String,
}

/// A run's id, or why there is none.
type Triggered = Either<f64, TriggerRefusal>;

fn triggered(result: std::result::Result<u64, TriggerError>) -> Triggered {
    match result {
        Ok(run) => Either::A(run as f64),
        Err(error) => Either::B(TriggerRefusal { error: error.as_str().to_owned() }),
    }
}

fn invalid(message: String) -> Error {
    Error::new(Status::InvalidArg, message)
}

#[napi]
pub struct OrchestratorHandle {
    driver: Arc<Driver>,
    doorbell: Arc<MainDoorbell>,
    /// A leader's: the changes drained and not yet taken by a commit.
    durable: Option<Mutex<Changes>>,
}

#[napi]
impl OrchestratorHandle {
    /// `on_outputs` is called (with no arguments) when outputs are waiting;
    /// it should call `drain()`. It does not hold the event loop open unless
    /// `setReferenced(true)`.
    #[napi(constructor)]
    pub fn new(
        env: &Env,
        options: OrchestratorOptions,
        on_outputs: Function<(), Unknown<'static>>,
        leader_of: Option<&ReplicaHandle>,
    ) -> Result<Self> {
        let doorbell = Arc::new(MainDoorbell::new(env, "Orchestrator", on_outputs)?);
        let config = OrchestratorConfig {
            max_concurrent_jobs: options.max_concurrent_jobs as usize,
            dead_letter_limit: options.dead_letter_limit as usize,
        };
        let clock: Arc<dyn Clock> = match leader_of {
            Some(replica) => Arc::new(OffsetClock(replica.link().offset())),
            None => Arc::new(SystemClock),
        };
        let driver = Driver::new(config, clock, TimerThread::global(), doorbell.clone());
        let durable = leader_of.map(|_| Mutex::new(Changes::default()));
        Ok(OrchestratorHandle { driver, doorbell, durable })
    }

    /// A leader's `start`: resumes from what its replica's last load read,
    /// with the runs that were out with the last leader (see
    /// `machine::durable`). Throws (InvalidArg) as `start` does.
    #[napi]
    pub fn resume(&self, replica: &ReplicaHandle, lost_runs: Vec<LostRunObject>) -> Result<()> {
        let mut resume = replica.link().loaded_resume().unwrap_or_default();
        resume.lost_runs = lost_runs.into_iter().map(Into::into).collect();
        self.driver.with(|machine, now| machine.resume(resume, now)).map_err(invalid)
    }

    /// Throws (InvalidArg) on a duplicate name, a spec that makes no job, a
    /// bad cron expression or zone, and on a started orchestrator on unknown
    /// dependencies or a cycle.
    #[napi]
    pub fn register(&self, name: String, spec: JobSpecObject) -> Result<()> {
        let spec = JobSpec::try_from(spec).map_err(|message| invalid(format!("job '{name}': {message}")))?;
        self.driver.with(|machine, now| machine.register(&name, spec, now)).map_err(invalid)
    }

    /// A job's new options, its state kept (see `Machine::redefine`).
    #[napi]
    pub fn redefine(&self, name: String, spec: JobSpecObject) -> Result<()> {
        let spec = JobSpec::try_from(spec).map_err(|message| invalid(format!("job '{name}': {message}")))?;
        self.driver.with(|machine, now| machine.redefine(&name, spec, now)).map_err(invalid)
    }

    #[napi]
    pub fn unregister(&self, name: String) -> Result<()> {
        self.driver.with(|machine, now| machine.unregister(&name, now)).map_err(invalid)
    }

    /// Throws (InvalidArg) naming unknown dependencies and cycles.
    #[napi]
    pub fn start(&self) -> Result<()> {
        self.driver.with(|machine, now| machine.start(now)).map_err(invalid)
    }

    /// A `stopped` output follows once nothing runs.
    #[napi]
    pub fn stop(&self, timeout_ms: f64) {
        let timeout_ms = if timeout_ms.is_finite() { timeout_ms.max(0.0) as u64 } else { u64::MAX };
        self.driver.with(|machine, now| machine.stop(now, timeout_ms));
    }

    #[napi(ts_return_type = "number | TriggerRefusal")]
    pub fn trigger(&self, name: String) -> Triggered {
        triggered(self.driver.with(|machine, now| machine.trigger(&name, now)))
    }

    #[napi(ts_return_type = "number | TriggerRefusal")]
    pub fn retry_dead_letter(&self, id: f64) -> Triggered {
        triggered(self.driver.with(|machine, now| machine.retry_dead_letter(id as u64, now)))
    }

    #[napi]
    pub fn enable(&self, name: String) -> Result<()> {
        self.driver.with(|machine, now| machine.enable(&name, now)).map_err(invalid)
    }

    #[napi]
    pub fn disable(&self, name: String) -> Result<()> {
        self.driver.with(|machine, now| machine.disable(&name, now)).map_err(invalid)
    }

    /// A leader began these attempts (`attempts[i]` of `run_ids[i]`), their
    /// Starts stored: one call (and one re-arming of the timer) for a batch.
    #[napi]
    pub fn starts_taken(&self, run_ids: Vec<f64>, attempts: Vec<u32>) {
        self.driver.with(|machine, now| {
            for (run, attempt) in run_ids.iter().zip(attempts) {
                machine.start_taken(*run as u64, attempt, now);
            }
        });
    }

    /// `run_finished` for a batch of attempts, in one call.
    #[napi]
    pub fn runs_finished(&self, run_ids: Vec<f64>, attempts: Vec<u32>, oks: Vec<bool>, errors: Vec<Option<String>>) {
        self.driver.with(|machine, now| {
            for (((run, attempt), ok), error) in run_ids.iter().zip(attempts).zip(oks).zip(errors) {
                let outcome =
                    if ok { RunOutcome::Success } else { RunOutcome::Failure { error: error.unwrap_or_default() } };
                machine.run_finished(*run as u64, attempt, outcome, now);
            }
        });
    }

    /// Attempt `attempt` of `run_id` ended. Ignored for an attempt the core
    /// has already ended (aborted at stop's deadline or at an enforced
    /// timeout), whenever it reports.
    #[napi]
    pub fn run_finished(&self, run_id: f64, attempt: u32, ok: bool, error: Option<String>) {
        let outcome = if ok { RunOutcome::Success } else { RunOutcome::Failure { error: error.unwrap_or_default() } };
        self.driver.with(|machine, now| machine.run_finished(run_id as u64, attempt, outcome, now));
    }

    /// Every waiting output as a JSON array (see `orchestrator_wire`), or
    /// null when there is none.
    #[napi]
    pub fn drain(&self) -> Option<String> {
        let outputs = match &self.durable {
            None => self.driver.take_outputs(),
            Some(durable) => {
                let (outputs, changes) = self.driver.take_outputs_and_changes();
                durable.lock().merge(changes);
                outputs
            }
        };
        (!outputs.is_empty()).then(|| wire::outputs(&outputs))
    }

    /// JSON (see `orchestrator_wire::status`).
    #[napi]
    pub fn status(&self) -> String {
        wire::status(&self.driver.with(|machine, _| machine.status()))
    }

    /// JSON (see `orchestrator_wire::dead_letters`).
    #[napi]
    pub fn dead_letters(&self) -> String {
        wire::dead_letters(&self.driver.with(|machine, _| machine.dead_letters()))
    }

    /// A `deadLetterRemoved` output follows for each letter.
    #[napi]
    pub fn clear_dead_letters(&self) {
        self.driver.with(|machine, _| machine.clear_dead_letters());
    }

    /// Whether the orchestrator holds the event loop open (JavaScript: while
    /// started, unless `unref()`'d).
    #[napi]
    pub fn set_referenced(&self, env: &Env, referenced: bool) -> Result<()> {
        self.doorbell.set_referenced(env, referenced)
    }

    /// The durable changes drained since the last call (a leader's commit).
    pub(super) fn take_changes(&self) -> Changes {
        self.durable.as_ref().map(|durable| std::mem::take(&mut *durable.lock())).unwrap_or_default()
    }

    /// The next `count` fire times of a cron expression after `from_ms`, by
    /// the engine the scheduler uses. Throws (InvalidArg) on a bad expression
    /// or zone.
    #[napi]
    pub fn next_runs(expression: String, time_zone: String, from_ms: f64, count: u32) -> Result<Vec<f64>> {
        let runs = orchestrator::next_runs(&expression, &time_zone, from_ms as i64, count as usize).map_err(invalid)?;
        Ok(runs.into_iter().map(|at| at as f64).collect())
    }
}
