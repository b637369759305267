//! Time as the orchestrator sees it.

/// A point in time: milliseconds since the Unix epoch, wall clock.
#[allow(dead_code)] // used by the scheduler once it is wired to the binding
pub type Millis = i64;
