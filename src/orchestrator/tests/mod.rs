//! The orchestrator's tests. The machine's are driven by hand on a fake
//! clock ([`harness::Sim`]): each plays the host's part (takes the outputs,
//! reports runs) and moves time to the machine's deadlines, so every run is
//! deterministic and a year of ticks takes milliseconds. `driver.rs` runs the
//! driver on the real timer thread.
//!
//! One file per concern of the machine's semantics.

mod harness;

mod cron;
mod cron_dst;
mod cron_support;

mod breaker;
mod dead_letters;
mod dependencies;
mod driver;
mod exclusion;
mod failures;
mod long_schedules;
mod modes;
mod overlap;
mod replicas;
mod status;
mod stop;
mod triggers;
