//! The orchestrator: named jobs on a schedule, on demand or back to back,
//! with dependencies, mutual exclusion, priorities, retries, auto-disable, a
//! breaker and dead letters. Pure Rust with no JavaScript type: the binding
//! wraps a `Driver`, and the jobs themselves run in JavaScript (on the pool).
//!
//! - `machine`: every decision, as a deterministic state machine of time;
//! - `driver`: the machine on the wall clock, woken by one timer on the
//!   core's timer thread at the machine's next deadline, and ringing its
//!   host when outputs are waiting;
//! - `schedule`, `cron` (with `dst`, the Vixie daylight-saving rules): when
//!   ticks fall; `spec`: what a job is.

pub mod clock;
pub mod cron;
pub mod driver;
mod dst;
pub mod machine;
pub mod schedule;
pub mod spec;

#[cfg(test)]
mod tests;

pub use clock::{OffsetClock, SystemClock};
pub use cron::{next_runs, CronSchedule};
pub use driver::Driver;
pub use machine::{DeadLetter, Output, RunOutcome, Status, TriggerError};
pub use schedule::Schedule;
pub use spec::{CatchUp, JobSpec, Mode, OrchestratorConfig};
