//! The two doorbells the core rings. Ringing must never block or call back
//! into the pool: the core rings while holding its lock.

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
