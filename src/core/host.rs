//! What the core calls on its host: the two doorbells it rings, and the
//! launcher of workers. None of them may block or call back into the pool:
//! the core calls them while holding its lock.

use super::ids::WorkerId;

/// The pool's owner (the JavaScript main thread). Rung when the outbox goes
/// from empty to non-empty; the host then calls `Pool::take_events`.
pub trait Host: Send + Sync {
    fn ring(&self);
}

/// One idle worker. Rung when a task has been assigned to it; the worker then
/// calls `Pool::take`.
pub trait Doorbell: Send + Sync {
    fn ring(&self);
}

/// Starts and stops workers the moment the core decides to, for hosts that
/// can do it from any thread (process workers: Rust forks and signals them).
/// Without one, the host does it when it reads `Event::SpawnWorker` and
/// `Event::TerminateWorker` (thread workers: only the main thread may). The
/// events are emitted either way. Called with the pool's lock held, like the
/// doorbells: it must never block or call back into the pool.
pub trait Launcher: Send + Sync {
    /// Start `worker`; it reports back with `Pool::worker_ready`, or
    /// `Pool::worker_exited` if it never gets there.
    fn spawn(&self, worker: WorkerId);
    /// Stop `worker` now, whatever it is doing; it reports back with `Pool::worker_exited`.
    fn terminate(&self, worker: WorkerId);
}
