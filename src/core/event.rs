//! What the core asks of its host, delivered in order through one outbox.

use std::time::Duration;

use super::ids::{TaskId, WorkerId};
use super::worker_context::{ExitReason, RetireReason};

/// How a task ended. Exactly one `Outcome` is produced per task.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The handler returned; the serialized result.
    Returned(Vec<u8>),
    /// The handler threw; the serialized error.
    Threw(Vec<u8>),
    /// The running-time deadline passed; its worker is being terminated.
    TimedOut { timeout: Duration, attempts: u32 },
    /// The worker running it died.
    Crashed { worker: WorkerId, exit_code: i32, attempts: u32 },
    /// No worker could be started to run it; `worker` is the one whose start failed
    /// (the host knows the loader's error by that id).
    StartFailed { worker: WorkerId },
    /// It waited in the queue longer than `PoolConfig::max_queue_wait`.
    QueueTimedOut { waited: Duration },
    /// Its caller aborted it (`Pool::abort`).
    Aborted,
    /// The pool was disposed first.
    Disposed,
}

impl Outcome {
    pub fn is_success(&self) -> bool {
        matches!(self, Outcome::Returned(_))
    }
}

/// How a worker ended, as its host saw it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorkerExit {
    /// Its exit code; `None` when a signal killed it.
    pub code: Option<i32>,
    /// The signal that killed it (processes only).
    pub signal: Option<i32>,
    /// Why, as the worker said before dying (its uncaught error), serialized;
    /// empty when it said nothing. The core never looks inside.
    pub cause: Vec<u8>,
}

impl WorkerExit {
    pub fn code(code: i32) -> WorkerExit {
        WorkerExit { code: Some(code), ..WorkerExit::default() }
    }
}

#[derive(Debug, PartialEq, Eq)]
pub enum Event {
    Settled {
        task: TaskId,
        outcome: Outcome,
    },
    /// An announced task (`NewTask::announce`) was given to `worker`, for the
    /// `attempt`-th time: the host sends it its payload.
    TaskAssigned {
        task: TaskId,
        worker: WorkerId,
        attempt: u32,
    },
    /// A worker has gone. Comes before the settlements of its tasks.
    WorkerExited {
        worker: WorkerId,
        reason: ExitReason,
        exit: WorkerExit,
    },
    /// A worker with this id is to start; it reports back with
    /// `Pool::worker_ready` or, if it dies first, `Pool::worker_exited`. A
    /// pool with a `Launcher` has already asked it to; otherwise the host starts it.
    SpawnWorker(WorkerId),
    /// This worker is to stop (its task timed out or was aborted, it retired
    /// or idled out, or the pool is disposed). A pool with a `Launcher` has
    /// already asked it to; otherwise the host stops it, as `Stopping` says.
    TerminateWorker(WorkerId, Stopping),
    /// This worker retires: it takes no new task and leaves once replaced.
    WorkerRetiring(WorkerId, RetireReason),
    /// The queue has just become empty.
    QueueDrained,
    /// No worker can start: tasks fail fast until a start succeeds.
    BreakerOpened,
    /// A worker started again after the breaker opened.
    BreakerClosed,
    /// A graceful close has finished every task.
    Closed,
}

/// How the host stops a worker it started itself (a thread).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stopping {
    /// It runs nothing, and its doorbell has rung: it sees that it is to
    /// leave and leaves on its own, the way a thread that ends does, so that
    /// what it wrote last (console output still on its way to the main
    /// thread) is not lost. The host stops it if it has not left soon.
    Idle,
    /// It may be running something (a task that timed out or was aborted, or
    /// one the pool's disposal rejected), or has not started: stopped at once.
    Now,
}
