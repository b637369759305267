//! The pool's workforce: starting workers, replacing those that leave,
//! retiring them gracefully (recycling), shrinking an idle dynamic pool, and
//! the restart back-off and breaker for modules that cannot load.

use std::time::{Duration, Instant};

use super::{Lifecycle, Pool, PoolState};
use crate::core::event::{Event, Outcome, Stopping, WorkerExit};
use crate::core::ids::WorkerId;
use crate::core::worker_context::{ExitReason, RetireReason, TerminateReason, WorkerContext, WorkerState};

impl Pool {
    /// A worker has exited (on its own or terminated). Returns why, or `None`
    /// if the worker was unknown.
    pub fn worker_exited(&self, worker: WorkerId, exit: WorkerExit) -> Option<ExitReason> {
        let mut state = self.state.lock();
        let mut ctx = state.workers.remove(&worker)?;
        state.counters.workers_exited += 1;
        let was_starting = ctx.state == WorkerState::Starting;
        if let Some(timer) = ctx.grace.take().and_then(|grace| grace.timer) {
            self.timers.cancel(timer);
        }
        let reason = match ctx.state {
            WorkerState::Starting => ExitReason::StartFailure,
            WorkerState::Ready if ctx.tasks.is_empty() && ctx.completed + ctx.failed == 0 => {
                // It died on its own before finishing any task: blame the module
                // (e.g. a timer at top level that throws), not a task.
                ExitReason::StartFailure
            }
            WorkerState::Ready | WorkerState::Retiring(_) => ExitReason::Crash,
            WorkerState::Terminating(TerminateReason::Retire) => ExitReason::Retire,
            WorkerState::Terminating(TerminateReason::Idle) => ExitReason::Idle,
            WorkerState::Terminating(TerminateReason::Timeout) => ExitReason::Timeout,
            WorkerState::Terminating(TerminateReason::Abort) => ExitReason::Abort,
            WorkerState::Terminating(TerminateReason::Dispose) => ExitReason::Dispose,
        };
        if matches!(reason, ExitReason::StartFailure | ExitReason::Crash) {
            state.inherited_restarts.push_back(ctx.restarts + 1);
        }
        // A signal death has no exit code; the host reads the signal from the exit event.
        let exit_code = exit.code.unwrap_or(-1);
        self.emit(&mut state, Event::WorkerExited { worker, reason, exit });
        for (id, assigned) in ctx.release_all() {
            if was_starting {
                // Reserved while it started (its payload went to it): it fails
                // as a task that no worker could start does.
                state.running -= 1;
                state.counters.failed += 1;
                self.settle(&mut state, id, Outcome::StartFailed { worker });
                continue;
            }
            self.retry_or_fail(&mut state, id, assigned, |attempts| Outcome::Crashed { worker, exit_code, attempts });
        }
        match reason {
            ExitReason::StartFailure => {
                state.start_failures += 1;
                let delay = self.config.backoff.delay(state.start_failures);
                if state.workers.values().any(|w| w.state == WorkerState::Ready) {
                    // The module loads elsewhere: a passing failure. Retry later.
                    if self.wants_replacement(&state) {
                        self.schedule_respawn(&mut state, delay);
                    }
                } else {
                    // Nobody can run the queue: fail it rather than let it wait
                    // for a module that may never load, and open the breaker.
                    // No retry is scheduled, so a broken idle pool makes no
                    // wake-ups; the next task after the back-off tries once.
                    for task in state.queue.drain() {
                        state.counters.failed += 1;
                        self.settle_queued(&mut state, task, Outcome::StartFailed { worker });
                    }
                    if state.retry_starts_at.replace(Instant::now() + delay).is_none() {
                        self.emit(&mut state, Event::BreakerOpened);
                    }
                }
            }
            ExitReason::Crash | ExitReason::Timeout | ExitReason::Abort => {
                if self.wants_replacement(&state) {
                    self.spawn_worker(&mut state);
                }
            }
            ExitReason::Dispose | ExitReason::Retire | ExitReason::Idle => {}
        }
        // A retiring worker waiting for this one (as its replacement) waits no more.
        let retiring: Vec<WorkerId> = state
            .workers
            .values()
            .filter(|w| matches!(w.state, WorkerState::Retiring(_)) && w.replacement == Some(worker))
            .map(|w| w.id)
            .collect();
        for old in retiring {
            self.leave_if_retired(&mut state, old);
        }
        Some(reason)
    }

    /// The worker's memory after a task, as its host measures it (a thread's
    /// heap, a process's RSS); reported only when a limit is set.
    pub fn report_memory(&self, worker: WorkerId, memory_mb: f64) {
        let mut state = self.state.lock();
        if let Some(ctx) = state.workers.get_mut(&worker) {
            ctx.memory_mb = Some(memory_mb);
        }
        if self.config.max_worker_memory_mb.is_some_and(|limit| memory_mb > limit) {
            self.retire(&mut state, worker, RetireReason::Memory);
            self.leave_if_retired(&mut state, worker);
        }
    }

    /// Retires every current worker gracefully; returns their ids (they have
    /// all left once each has exited).
    pub fn recycle(&self) -> Vec<WorkerId> {
        let mut state = self.state.lock();
        let current: Vec<WorkerId> =
            state.workers.values().filter(|w| !w.state.is_terminating()).map(|w| w.id).collect();
        for &worker in &current {
            self.retire(&mut state, worker, RetireReason::Recycle);
        }
        for &worker in &current {
            self.leave_if_retired(&mut state, worker);
        }
        current
    }

    /// Stops giving `worker` tasks and starts its replacement; it leaves in
    /// `leave_if_retired` once it is idle and the pool is at full strength
    /// without it, so no task waits longer for its going.
    pub(super) fn retire(&self, state: &mut PoolState, worker: WorkerId, reason: RetireReason) {
        let Some(ctx) = state.workers.get_mut(&worker) else { return };
        let restarts = ctx.restarts + 1;
        match ctx.state {
            WorkerState::Ready => {}
            WorkerState::Starting => {
                // Nothing to finish and nothing to wait for: replace it outright.
                ctx.state = WorkerState::Terminating(TerminateReason::Retire);
                state.inherited_restarts.push_back(restarts);
                self.emit(state, Event::WorkerRetiring(worker, reason));
                self.emit(state, Event::TerminateWorker(worker, Stopping::Now));
                if self.wants_replacement(state) {
                    self.spawn_worker(state);
                }
                return;
            }
            _ => return, // already leaving
        }
        ctx.state = WorkerState::Retiring(reason);
        state.inherited_restarts.push_back(restarts);
        state.counters.retired += 1;
        self.emit(state, Event::WorkerRetiring(worker, reason));
        if self.wants_replacement(state) {
            let replacement = self.spawn_worker(state);
            state.workers.get_mut(&worker).expect("retiring").replacement = Some(replacement);
        }
    }

    pub(super) fn leave_if_retired(&self, state: &mut PoolState, worker: WorkerId) {
        let Some(ctx) = state.workers.get(&worker) else { return };
        if !matches!(ctx.state, WorkerState::Retiring(_)) || !ctx.tasks.is_empty() {
            return;
        }
        // Its replacement (if it needed one) is no longer starting: ready, or
        // failed, in which case waiting longer would not help.
        let replaced =
            ctx.replacement.is_none_or(|r| state.workers.get(&r).is_none_or(|w| w.state != WorkerState::Starting));
        if replaced || state.lifecycle != Lifecycle::Open {
            let ctx = state.workers.get_mut(&worker).expect("checked above");
            ctx.state = WorkerState::Terminating(TerminateReason::Retire);
            let stopping = ctx.stopping(self.launcher.is_none());
            self.emit(state, Event::TerminateWorker(worker, stopping));
        }
    }

    /// Terminates a worker whose task was taken from it (deadline, abort):
    /// whatever it is doing, even `while (true) {}`, must stop.
    pub(super) fn stop_worker(&self, state: &mut PoolState, worker: WorkerId, reason: TerminateReason) {
        let Some(ctx) = state.workers.get_mut(&worker) else { return };
        let retiring = matches!(ctx.state, WorkerState::Retiring(_));
        if ctx.state != WorkerState::Ready && !retiring {
            return; // already on its way out
        }
        ctx.state = WorkerState::Terminating(reason);
        if !retiring {
            // (A retiring worker's replacement was started, and counted, already.)
            let restarts = ctx.restarts + 1;
            state.inherited_restarts.push_back(restarts);
        }
        // It runs what it is stopped for (or its loop may be stuck).
        self.emit(state, Event::TerminateWorker(worker, Stopping::Now));
        // Replace it now rather than when its exit is reported: the slot is
        // free, and queued tasks need not wait for the thread to wind down.
        if self.wants_replacement(state) {
            self.spawn_worker(state);
        }
    }

    pub(super) fn on_respawn_timer(&self, token: u64) {
        let mut state = self.state.lock();
        if state.respawns.remove(&token).is_some() && self.wants_replacement(&state) {
            self.spawn_worker(&mut state);
        }
    }

    pub(super) fn spawn_worker(&self, state: &mut PoolState) -> WorkerId {
        let id = WorkerId(state.next_worker);
        state.next_worker += 1;
        let restarts = state.inherited_restarts.pop_front().unwrap_or(0);
        state.workers.insert(id, WorkerContext::new(id, restarts, self.config.concurrency.max(1)));
        state.counters.workers_started += 1;
        self.emit(state, Event::SpawnWorker(id));
        id
    }

    /// Whether the pool should start a worker: it is below `min_workers`, or
    /// tasks wait that no starting worker will take, below `max_workers`.
    /// Nothing is started once the pool is closed and out of work.
    pub(super) fn wants_replacement(&self, state: &PoolState) -> bool {
        let may_get_work = match state.lifecycle {
            Lifecycle::Open => true,
            Lifecycle::Closing => !state.queue.is_empty(),
            Lifecycle::Closed | Lifecycle::Disposed => false,
        };
        // Retiring workers do not count: their replacements start at once.
        // Nor does a starting worker that already holds a reserved task (an
        // announced one): the tasks queued behind it need a worker of their own.
        let starting =
            state.workers.values().filter(|w| w.state == WorkerState::Starting && w.tasks.is_empty()).count();
        let live = self.live_count(state) + state.respawns.len();
        let waiting_uncovered = state.queue.len() > starting + state.respawns.len();
        // While the breaker is open, the half-open attempt alone may start.
        let breaker_closed = state.retry_starts_at.is_none();
        may_get_work
            && breaker_closed
            && (live < self.config.min_workers || (waiting_uncovered && live < self.config.max_workers))
    }

    /// An idle worker above `min_workers` leaves after `idle_timeout`.
    pub(super) fn arm_idle_timer(&self, state: &mut PoolState, worker: WorkerId) {
        let Some(timeout) = self.config.idle_timeout else { return };
        if self.live_count(state) <= self.config.min_workers {
            return;
        }
        let Some(ctx) = state.workers.get_mut(&worker) else { return };
        ctx.idle_epoch += 1;
        let epoch = ctx.idle_epoch;
        let timer = self.schedule(timeout, move |pool| pool.on_idle_timer(worker, epoch));
        if let Some(previous) = state.workers.get_mut(&worker).expect("checked above").idle_timer.replace(timer) {
            self.timers.cancel(previous);
        }
    }

    pub(super) fn on_idle_timer(&self, worker: WorkerId, epoch: u64) {
        let mut state = self.state.lock();
        let live = self.live_count(&state);
        let Some(ctx) = state.workers.get_mut(&worker) else { return };
        if ctx.idle_epoch != epoch || !ctx.is_idle() || live <= self.config.min_workers {
            return;
        }
        ctx.idle_timer = None;
        ctx.state = WorkerState::Terminating(TerminateReason::Idle);
        let stopping = ctx.stopping(self.launcher.is_none());
        self.emit(&mut state, Event::TerminateWorker(worker, stopping));
    }

    /// Workers that count toward the pool's strength (see `WorkerState::is_live`).
    pub(super) fn live_count(&self, state: &PoolState) -> usize {
        state.workers.values().filter(|w| w.state.is_live()).count()
    }

    pub(super) fn schedule_respawn(&self, state: &mut PoolState, delay: Duration) {
        let token = state.next_respawn;
        state.next_respawn += 1;
        let timer = self.schedule(delay, move |pool| pool.on_respawn_timer(token));
        state.respawns.insert(token, timer);
    }

    /// Drops the backed-off respawns (one that is firing right now finds its
    /// token gone and does nothing).
    pub(super) fn cancel_respawns(&self, state: &mut PoolState) {
        for (_, timer) in std::mem::take(&mut state.respawns) {
            self.timers.cancel(timer);
        }
    }
}
