//! A task as the core holds it: opaque bytes plus what scheduling needs.

use std::time::{Duration, Instant};

use super::ids::{HandlerId, TaskId};
use super::timer::TimerId;

/// A submitted task. It is owned by exactly one place at a time (the queue or
/// one worker's context) and is consumed when it settles.
#[derive(Debug)]
pub struct Task {
    pub id: TaskId,
    pub handler: HandlerId,
    /// The serialized payload; the core never looks inside.
    pub payload: Vec<u8>,
    /// Running-time deadline; `None` means no deadline.
    pub timeout: Option<Duration>,
    /// Higher runs first.
    pub priority: i32,
    /// How many more times it may run again after a crash or a timeout.
    pub retries: u32,
    /// Which run this is, from 1.
    pub attempt: u32,
    /// When it was submitted (or queued again for a retry): its wait starts here.
    pub submitted: Instant,
    /// The timer that rejects it if it waits too long in the queue. Boxed:
    /// only pools with `maxQueueWaitMs` have one, and it would make every
    /// queued task 16 bytes bigger.
    pub wait_deadline: Option<Box<TimerId>>,
    /// See `NewTask::announce`.
    pub announce: bool,
}

/// What `Pool::submit` takes.
#[derive(Debug)]
pub struct NewTask {
    pub handler: HandlerId,
    pub payload: Vec<u8>,
    pub timeout: Option<Duration>,
    pub priority: i32,
    /// Runs again after a crash or a timeout, at most this many times.
    pub retries: u32,
    /// The host is told which worker takes it, each time one does
    /// (`Event::TaskAssigned`): its real payload travels beside the core
    /// (memory that only JavaScript can move or share), and the host sends it
    /// to that worker. Its `payload` here is only a marker. An idle worker
    /// given it is not rung: the host's message with the payload is its
    /// wake-up (one wake-up rather than two).
    pub announce: bool,
}

/// What a worker receives: the task minus the bookkeeping it does not need.
#[derive(Debug, PartialEq, Eq)]
pub struct Delivery {
    pub id: TaskId,
    pub handler: HandlerId,
    pub payload: Vec<u8>,
}

impl Delivery {
    /// The length of `header()`.
    pub const HEADER_LEN: usize = 8 + 4;

    /// How a task reaches either kind of worker (read by `lib/worker/task-runner.js`):
    /// this header, then the payload's bytes. Little-endian: task id f64 (a
    /// JavaScript number) | handler id u32.
    pub fn header(&self) -> [u8; Self::HEADER_LEN] {
        let mut header = [0; Self::HEADER_LEN];
        header[..8].copy_from_slice(&(self.id.0 as f64).to_le_bytes());
        header[8..].copy_from_slice(&self.handler.0.to_le_bytes());
        header
    }

    /// The header and the payload.
    pub fn encoded_len(&self) -> usize {
        Self::HEADER_LEN + self.payload.len()
    }
}
