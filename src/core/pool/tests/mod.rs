//! Scheduler tests. They drive the pool as its host would, with fake workers:
//! a test plays each worker's part itself (ready, take, complete, exit) and
//! fires the pool's timers by hand, so every interleaving is deterministic.
//! Only the stress tests run real threads and the real timer thread.
//!
//! The fakes and the [`harness::Harness`] are in `harness.rs`; each other
//! file covers one concern of the scheduler.

mod harness;

mod breaker;
mod crashes;
mod deadlines;
mod dispatch;
mod dynamic_size;
mod grace;
mod reservation;
mod retirement;
mod shutdown;
mod stats;
mod stopping;
mod stress;
