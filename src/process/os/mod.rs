//! What differs between operating systems in starting and watching a child:
//! one interface, a small part per system.
//!
//! - `Channel`: the parent's end of a one-way byte channel to the child.
//!   `&Channel` reads and writes; `try_clone` gives another handle on it;
//!   `shutdown` ends every read and write on it, from any thread (a blocked
//!   one included).
//! - `spawn`: starts the child with its two channels at descriptors 3 (tasks)
//!   and 4 (results), killed when this process dies however it dies.
//! - `Process`: waits for its exit without reaping it, then reaps it.
//! - `Stopper`: stops it (`Stop::Ask`, then `Stop::Force`), never once reaped.
//!
//! Unix (Linux, macOS) shares one implementation: socket pairs placed by
//! `dup2` between fork and exec. Windows hands the child named pipes through
//! the C runtime's descriptor table (as Node's own `child_process` does), so
//! the child's side is the same JavaScript everywhere.

mod command_line;
#[cfg(unix)]
mod unix;
#[cfg(windows)]
mod windows;

#[cfg(unix)]
pub use unix::*;
#[cfg(windows)]
pub use windows::*;

/// A started child and the parent's ends of what it was given.
pub struct Spawned {
    pub process: Process,
    /// Unix: non-blocking (see `WRITES_FROM_ANY_THREAD`).
    pub tasks: Channel,
    pub results: Channel,
    /// Its stdout and stderr, when they are forwarded.
    pub stdout: Option<std::fs::File>,
    pub stderr: Option<std::fs::File>,
}

/// How to stop a child.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stop {
    /// Unix: SIGTERM, which a child may handle. Windows: terminated at once
    /// (a process without a window has no request to stop).
    Ask,
    /// Unix: SIGKILL. Windows: terminated.
    Force,
}

/// How a child ended: its exit code, or the signal that ended it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Ended {
    pub code: Option<i32>,
    pub signal: Option<i32>,
}
