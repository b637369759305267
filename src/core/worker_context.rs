//! Everything the core knows about one worker. A worker's death touches only
//! its own context: the tasks it holds are exactly the tasks it was running.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::event::Stopping;
use super::host::Doorbell;
use super::ids::{HandlerId, TaskId, WorkerId};
use super::task::{Delivery, Task};
use super::timer::TimerId;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WorkerState {
    /// Spawn requested; the module is loading.
    Starting,
    /// Ready for work (idle or busy, by whether it holds tasks).
    Ready,
    /// Finishing what it runs, taking nothing new; it leaves once its
    /// replacement is ready.
    Retiring(RetireReason),
    /// Terminate requested; it takes no task and its results are discarded.
    Terminating(TerminateReason),
}

impl WorkerState {
    /// Starting or ready: it counts toward the pool's strength. A retiring
    /// worker does not (its replacement does), nor one being terminated.
    pub fn is_live(self) -> bool {
        matches!(self, WorkerState::Starting | WorkerState::Ready)
    }

    /// On its way out: it takes no task, and what it returns is dropped.
    pub fn is_terminating(self) -> bool {
        matches!(self, WorkerState::Terminating(_))
    }
}

/// Declared in the order of `ALL`: a reason's code (`as u8`) is its index there.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum RetireReason {
    /// It ran `max_tasks_per_worker` tasks.
    MaxTasks,
    /// Its memory (a thread's heap, a process's RSS) grew past `max_worker_memory_mb`.
    Memory,
    /// `recycle()` was called.
    Recycle,
}

impl RetireReason {
    pub const ALL: [RetireReason; 3] = [RetireReason::MaxTasks, RetireReason::Memory, RetireReason::Recycle];

    /// Its name in the JavaScript API.
    pub fn as_str(self) -> &'static str {
        match self {
            RetireReason::MaxTasks => "maxTasks",
            RetireReason::Memory => "memory",
            RetireReason::Recycle => "recycle",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TerminateReason {
    Timeout,
    /// Its task's signal aborted.
    Abort,
    /// It retired and its replacement is ready.
    Retire,
    /// It was idle for `idle_timeout` in a pool above `min_workers`.
    Idle,
    Dispose,
}

/// Why a worker left, as reported to the host. Declared in the order of
/// `ALL`: a reason's code (`as u8`) is its index there.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum ExitReason {
    /// It died before it was ready: its module failed to load.
    StartFailure,
    /// It died on its own while ready (process.exit, uncaught error, out of memory).
    Crash,
    /// It was terminated because a task overran its deadline.
    Timeout,
    /// It was terminated because its task was aborted.
    Abort,
    /// It retired gracefully (see `RetireReason`).
    Retire,
    /// The pool shrank: it was idle too long.
    Idle,
    /// It was terminated by `dispose()`.
    Dispose,
}

impl ExitReason {
    pub const ALL: [ExitReason; 7] = [
        ExitReason::StartFailure,
        ExitReason::Crash,
        ExitReason::Timeout,
        ExitReason::Abort,
        ExitReason::Retire,
        ExitReason::Idle,
        ExitReason::Dispose,
    ];

    /// Its name in the JavaScript API (`'workerExit'`'s `reason`).
    pub fn as_str(self) -> &'static str {
        match self {
            ExitReason::StartFailure => "startFailure",
            ExitReason::Crash => "crash",
            ExitReason::Timeout => "timeout",
            ExitReason::Abort => "abort",
            ExitReason::Retire => "retire",
            ExitReason::Idle => "idle",
            ExitReason::Dispose => "dispose",
        }
    }
}

/// A task assigned to this worker.
#[derive(Debug)]
pub struct Assigned {
    pub handler: HandlerId,
    /// `Some` until the worker has picked the task up.
    pub payload: Option<Vec<u8>>,
    /// The timer of its run's deadline; for a task reserved by a worker
    /// still starting, the timer of its wait's (`maxQueueWaitMs`) instead.
    pub deadline: Option<TimerId>,
    pub timeout: Duration,
    pub started: Instant,
    /// Which run this is, from 1.
    pub attempt: u32,
    /// What a re-run needs, for a task that may be retried.
    pub retry: Option<Retry>,
    /// See `NewTask::announce`.
    pub announce: bool,
}

/// A copy of what a task needs to run again (its payload is otherwise handed
/// to the worker and forgotten).
#[derive(Debug)]
pub struct Retry {
    pub payload: Vec<u8>,
    pub priority: i32,
    pub retries_left: u32,
}

pub struct WorkerContext {
    pub id: WorkerId,
    pub state: WorkerState,
    pub doorbell: Option<Arc<dyn Doorbell>>,
    /// Whether the worker's thread is spinning in `Pool::complete`, lingering
    /// for its next task; it is then woken through `assigned`, not the doorbell.
    pub lingering: bool,
    /// Set when a task is assigned to the lingering worker; read without the lock.
    pub assigned: Arc<AtomicBool>,
    /// The tasks this worker owns, by id. A task leaves this map when it settles.
    pub tasks: HashMap<TaskId, Assigned>,
    /// Assigned tasks the worker has not picked up yet, oldest first.
    undelivered: VecDeque<TaskId>,
    pub completed: u64,
    pub failed: u64,
    /// The memory it last reported after a task, in MB: a thread's heap, a
    /// process's RSS (only with a memory limit).
    pub memory_mb: Option<f64>,
    /// How many workers this one's place in the pool went through before it.
    pub restarts: u32,
    /// While retiring: the worker started to take its place.
    pub replacement: Option<WorkerId>,
    /// Counts idle spells, so that a timer from an earlier one does nothing.
    pub idle_epoch: u64,
    pub idle_timer: Option<TimerId>,
    /// How many tasks it runs at once (`concurrentTasksPerWorker`).
    pub capacity: usize,
    /// Whether its id is in the pool's list of workers with free capacity.
    pub listed_available: bool,
    /// Tasks aborted while it runs them; it is told so (`ctx.signal`).
    pub aborted: Vec<TaskId>,
    /// Set while it shares itself and one of its tasks was aborted (or timed
    /// out) and it has not yet shown that its event loop turns since: it
    /// gets no new task meanwhile (see `pool/grace.rs`).
    pub grace: Option<Grace>,
    /// Counts graces, so that a timer from an earlier one does nothing.
    pub grace_epoch: u64,
}

/// A shared worker's grace after one of its tasks was aborted or timed out.
#[derive(Debug)]
pub struct Grace {
    /// Terminates the worker when it fires; `None`: no deadline.
    pub timer: Option<TimerId>,
    /// Why it is terminated if the grace runs out.
    pub reason: TerminateReason,
}

impl WorkerContext {
    pub fn new(id: WorkerId, restarts: u32, capacity: usize) -> Self {
        WorkerContext {
            id,
            state: WorkerState::Starting,
            doorbell: None,
            lingering: false,
            assigned: Arc::new(AtomicBool::new(false)),
            tasks: HashMap::new(),
            undelivered: VecDeque::new(),
            completed: 0,
            failed: 0,
            memory_mb: None,
            restarts,
            replacement: None,
            idle_epoch: 0,
            idle_timer: None,
            capacity,
            listed_available: false,
            aborted: Vec::new(),
            grace: None,
            grace_epoch: 0,
        }
    }

    /// Wakes the worker for a newly assigned task, whichever way it is waiting.
    pub fn wake_up(&mut self) {
        if self.lingering {
            self.lingering = false;
            self.assigned.store(true, Ordering::Release);
        } else if let Some(doorbell) = &self.doorbell {
            doorbell.ring();
        }
    }

    /// `wake_up` for a task just assigned. An idle worker given an announced
    /// task is not rung: the host's message that brings the payload is its
    /// wake-up (see `NewTask::announce`). A lingering one is told at once
    /// all the same (it costs nothing, and it then waits for the message).
    pub fn wake_up_for(&mut self, announced: bool) {
        if !announced || self.lingering {
            self.wake_up();
        }
    }

    /// How the host is to stop it, now that it is marked `Terminating`; one
    /// that may leave on its own is rung, to see that it is to (a lingering
    /// one returns to its event loop, where the doorbell's call finds it
    /// leaving). `host_stops`: the host stops it, not a `Launcher`.
    pub fn stopping(&mut self, host_stops: bool) -> Stopping {
        let runs_nothing = self.tasks.is_empty() && self.grace.is_none();
        let Some(doorbell) = self.doorbell.as_ref().filter(|_| runs_nothing && host_stops) else {
            return Stopping::Now;
        };
        if self.lingering {
            self.lingering = false;
            self.assigned.store(true, Ordering::Release);
        }
        doorbell.ring();
        Stopping::Idle
    }

    pub fn is_idle(&self) -> bool {
        self.state == WorkerState::Ready && self.tasks.is_empty()
    }

    /// Ready, running fewer tasks than it may, and not in a grace (a worker
    /// whose loop may be stuck gets no new task).
    pub fn has_capacity(&self) -> bool {
        self.state == WorkerState::Ready && self.tasks.len() < self.capacity && self.grace.is_none()
    }

    /// Takes ownership of `task`; the caller rings the doorbell.
    /// `now`: when it starts (the caller has just read the clock).
    pub fn assign(&mut self, task: Task, deadline: Option<TimerId>, now: Instant) {
        let timeout = task.timeout.unwrap_or_default();
        let retry = (task.retries > 0).then(|| Retry {
            payload: task.payload.clone(),
            priority: task.priority,
            retries_left: task.retries,
        });
        self.undelivered.push_back(task.id);
        self.tasks.insert(
            task.id,
            Assigned {
                handler: task.handler,
                payload: Some(task.payload),
                deadline,
                timeout,
                started: now,
                attempt: task.attempt,
                retry,
                announce: task.announce,
            },
        );
    }

    /// The next assigned task the worker has not seen yet.
    pub fn next_delivery(&mut self) -> Option<Delivery> {
        while let Some(id) = self.undelivered.pop_front() {
            // Tasks settled before pickup (timeout, dispose) are no longer in the map.
            if let Some(assigned) = self.tasks.get_mut(&id) {
                if let Some(payload) = assigned.payload.take() {
                    return Some(Delivery { id, handler: assigned.handler, payload });
                }
            }
        }
        None
    }

    /// Removes a task for settlement. `None` if it was already settled.
    pub fn release(&mut self, id: TaskId) -> Option<Assigned> {
        self.tasks.remove(&id)
    }

    /// Removes every task, for settlement (the worker died or the pool is disposed).
    pub fn release_all(&mut self) -> Vec<(TaskId, Assigned)> {
        self.undelivered.clear();
        let mut tasks: Vec<_> = self.tasks.drain().collect();
        tasks.sort_by_key(|(id, _)| *id);
        tasks
    }

    pub fn state_name(&self) -> &'static str {
        match self.state {
            WorkerState::Starting => "starting",
            WorkerState::Ready if self.tasks.is_empty() => "idle",
            WorkerState::Ready => "busy",
            WorkerState::Retiring(_) => "retiring",
            WorkerState::Terminating(_) => "exited",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reasons_code_is_its_index_in_all() {
        for (index, reason) in ExitReason::ALL.into_iter().enumerate() {
            assert_eq!(reason as usize, index);
        }
        for (index, reason) in RetireReason::ALL.into_iter().enumerate() {
            assert_eq!(reason as usize, index);
        }
    }
}
