//! Identifiers handed out by the core. They are never reused within a pool, so
//! a late message about an old task or worker can never be mistaken for a new one.

/// A task, unique within its pool. Crosses to JavaScript as a number (exact up to 2^53).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TaskId(pub u64);

/// A worker, unique within its pool: a replacement gets a new id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct WorkerId(pub u32);

/// An interned (module, export) pair: tasks carry this small number instead of strings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct HandlerId(pub u32);
