//! A worker that runs several tasks at once is not terminated when one of
//! them is aborted or times out: that would reject the others. It is told
//! instead (the handler's `ctx.signal` aborts), and gets a grace: it takes
//! no new task until its event loop shows it still turns (the worker reads
//! its abort notices from the loop: `take_aborted_from_loop`, or a process
//! worker's acknowledgement, `aborts_seen`). A handler that ignores its
//! signal but awaits leaves the loop free, and the worker carries on. One
//! that spins (`for (;;) {}`) never lets the loop turn: when the grace runs
//! out (`PoolConfig::abort_grace`), the worker is terminated and replaced,
//! and its other tasks end as a crash would end them (retried, or
//! `Crashed`).

use super::{Pool, PoolState};
use crate::core::ids::{TaskId, WorkerId};
use crate::core::worker_context::{Grace, TerminateReason, WorkerContext};

impl Pool {
    /// Whether an abort or a timeout of a running task spares `ctx` (the
    /// other tasks it runs) for a grace, rather than terminating it now.
    pub(super) fn spares(&self, ctx: &WorkerContext) -> bool {
        ctx.capacity > 1 && self.config.abort_grace.is_none_or(|grace| !grace.is_zero())
    }

    /// Tells the worker its running `task` is aborted, and starts its grace
    /// (a grace already running keeps its deadline: the loop has not turned
    /// since the first abort either).
    pub(super) fn begin_grace(&self, ctx: &mut WorkerContext, task: TaskId, reason: TerminateReason) {
        ctx.aborted.push(task);
        if let Some(doorbell) = &ctx.doorbell {
            doorbell.ring();
        }
        if ctx.grace.is_some() {
            return;
        }
        ctx.grace_epoch += 1;
        let (worker, epoch) = (ctx.id, ctx.grace_epoch);
        let timer =
            self.config.abort_grace.map(|grace| self.schedule(grace, move |pool| pool.on_grace_over(worker, epoch)));
        ctx.grace = Some(Grace { timer, reason });
    }

    /// A process worker has read its abort notices: its loop turns.
    pub fn aborts_seen(&self, worker: WorkerId) {
        let mut state = self.state.lock();
        self.end_grace(&mut state, worker);
    }

    /// The worker's loop turns: it may take tasks again.
    pub(super) fn end_grace(&self, state: &mut PoolState, worker: WorkerId) {
        let Some(ctx) = state.workers.get_mut(&worker) else { return };
        let Some(grace) = ctx.grace.take() else { return };
        if let Some(timer) = grace.timer {
            self.timers.cancel(timer);
        }
        self.list_available(state, worker);
    }

    fn on_grace_over(&self, worker: WorkerId, epoch: u64) {
        let mut state = self.state.lock();
        let Some(ctx) = state.workers.get_mut(&worker) else { return };
        if ctx.grace_epoch != epoch {
            return;
        }
        let Some(grace) = ctx.grace.take() else { return };
        self.stop_worker(&mut state, worker, grace.reason);
    }
}
