//! The scheduler: one queue, one context per worker, one outbox to the host.
//!
//! Invariants, all guarded by the single state lock:
//! - every unsettled task is in exactly one place: `queue` or one worker
//!   context's `tasks`; settling removes it from there first, so it cannot
//!   settle twice whatever order completion, deadline, crash and dispose race in;
//! - `idle` lists every worker that is ready and has free capacity (with
//!   one task per worker: that holds no task), most recently idle last; it
//!   may also hold stale ids, which are skipped;
//! - the host is rung only when the outbox goes from empty to non-empty, so a
//!   burst of completions costs one wake-up of the main thread.
//!
//! Nothing here polls: work moves on submit, on completion, on a worker's
//! arrival or exit, and on timers. Starting, replacing, retiring and
//! shrinking workers is in `workforce.rs`.

mod grace;
mod workforce;

#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, VecDeque};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use parking_lot::{Mutex, MutexGuard};

use super::backoff::Backoff;
use super::event::{Event, Outcome};
use super::handlers::{HandlerSpec, HandlerTable};
use super::host::{Doorbell, Host, Launcher};
use super::ids::{HandlerId, TaskId, WorkerId};
use super::metrics::Histogram;
use super::queue::TaskQueue;
use super::stats::{Counters, ExportedTimes, PoolStats, WorkerStats};
use super::task::{Delivery, NewTask, Task};
use super::timer::{TimerId, Timers};
use super::worker_context::{Assigned, RetireReason, TerminateReason, WorkerContext, WorkerState};

#[derive(Clone, Debug)]
pub struct PoolConfig {
    /// Workers kept alive even when idle.
    pub min_workers: usize,
    /// Most workers at once; the pool grows towards it while tasks wait.
    pub max_workers: usize,
    /// A worker idle this long leaves, down to `min_workers`; `None`: never.
    pub idle_timeout: Option<Duration>,
    /// How many tasks a worker runs at once (for async handlers); at least 1.
    pub concurrency: usize,
    /// Most tasks waiting to start.
    pub max_queue: usize,
    /// Most time a task may wait in the queue; `None`: no limit.
    pub max_queue_wait: Option<Duration>,
    /// A waiting task gains one priority level per this much waiting, so
    /// that low priorities are not starved.
    pub ageing: Duration,
    pub backoff: Backoff,
    /// A worker retires after this many tasks; `None`: never.
    pub max_tasks_per_worker: Option<u64>,
    /// A worker whose memory (a thread's heap, a process's RSS) is over this
    /// after a task retires; `None`: no limit.
    pub max_worker_memory_mb: Option<f64>,
    /// How long a worker that has just finished a task, and has no next one,
    /// lingers in `complete` (yielding its core between looks) waiting for
    /// one before it returns to its event loop to sleep. Waking a sleeping
    /// thread costs tens of µs (more on a VM); a lingering one sees its
    /// task at once, which matters for tasks awaited
    /// one by one. It costs at most this much CPU per task that has no
    /// successor, and delays the worker's own timers by at most this much;
    /// an idle worker sleeps in its event loop with no wake-ups.
    pub linger: Duration,
    /// How long a worker that runs several tasks at once has, after one of
    /// them was aborted or timed out, to show that its event loop still
    /// turns; past it, the worker is terminated (see `grace.rs`). `None`:
    /// no deadline; zero: terminated at once, as a worker of one task is.
    pub abort_grace: Option<Duration>,
}

impl Default for PoolConfig {
    /// A fixed pool of one worker with no limits, and the tuning every pool
    /// shares (the binding takes the tuning from here when options leave it out).
    fn default() -> Self {
        PoolConfig {
            min_workers: 1,
            max_workers: 1,
            idle_timeout: Some(Duration::from_secs(10)),
            concurrency: 1,
            max_queue: usize::MAX,
            max_queue_wait: None,
            ageing: Duration::from_secs(1),
            backoff: Backoff::default(),
            max_tasks_per_worker: None,
            max_worker_memory_mb: None,
            // Long enough to span the caller's usual turnaround (a wake-up of
            // the main thread, a resolved promise, the next submit: 20-40 µs
            // here), short enough that the CPU it may burn per task stays small.
            linger: Duration::from_micros(100),
            abort_grace: Some(Duration::from_secs(1)),
        }
    }
}

/// Why `submit` refused a task.
#[derive(Debug, PartialEq, Eq)]
pub enum SubmitError {
    QueueFull,
    /// `close()` or `dispose()` was called.
    Closed,
    /// No worker is alive and the last start failed less than the back-off
    /// ago: failing fast beats waiting for a module that does not load. The
    /// host knows the loader's error.
    StartFailing,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Lifecycle {
    Open,
    /// Refuses new tasks, finishes the others.
    Closing,
    /// Every task has finished after `close()`.
    Closed,
    Disposed,
}

struct PoolState {
    lifecycle: Lifecycle,
    queue: TaskQueue,
    workers: BTreeMap<WorkerId, WorkerContext>,
    idle: VecDeque<WorkerId>,
    outbox: Vec<Event>,
    next_task: u64,
    next_worker: u32,
    /// Tasks held by worker contexts.
    running: usize,
    /// Consecutive starts that failed since a worker last finished a task.
    start_failures: u32,
    /// Set when a start failed and no worker was ready: the breaker is open.
    /// Until then, tasks fail fast; after it, the next task tries one start.
    retry_starts_at: Option<Instant>,
    /// Backed-off respawns waiting for their timer, by token.
    respawns: BTreeMap<u64, TimerId>,
    next_respawn: u64,
    counters: Counters,
    wait_times: Histogram,
    run_times: Histogram,
    /// Sum of the run times of settled tasks, for utilization.
    busy: Duration,
    started: Instant,
    /// Restart counts handed from departing workers to their replacements.
    inherited_restarts: VecDeque<u32>,
}

pub struct Pool {
    config: PoolConfig,
    host: Arc<dyn Host>,
    /// Starts and stops workers at once, where the host can (see `Launcher`).
    launcher: Option<Arc<dyn Launcher>>,
    timers: Arc<dyn Timers>,
    handlers: HandlerTable,
    state: Mutex<PoolState>,
    /// For timer actions, which must not keep a disposed pool alive.
    me: Weak<Pool>,
}

impl Pool {
    /// A pool whose host starts and stops workers when it reads the events.
    pub fn new(config: PoolConfig, host: Arc<dyn Host>, timers: Arc<dyn Timers>) -> Arc<Pool> {
        Self::build(config, host, timers, |_| None)
    }

    /// A pool whose workers are started and stopped by `launcher`, the moment
    /// the core decides to. The launcher gets a weak handle on the pool (it
    /// reports back to it; the pool owns the launcher).
    pub fn with_launcher(
        config: PoolConfig,
        host: Arc<dyn Host>,
        timers: Arc<dyn Timers>,
        launcher: impl FnOnce(Weak<Pool>) -> Arc<dyn Launcher>,
    ) -> Arc<Pool> {
        Self::build(config, host, timers, |me| Some(launcher(me)))
    }

    fn build(
        config: PoolConfig,
        host: Arc<dyn Host>,
        timers: Arc<dyn Timers>,
        launcher: impl FnOnce(Weak<Pool>) -> Option<Arc<dyn Launcher>>,
    ) -> Arc<Pool> {
        let ageing = config.ageing;
        Arc::new_cyclic(|me| Pool {
            config,
            host,
            launcher: launcher(me.clone()),
            timers,
            handlers: HandlerTable::default(),
            state: Mutex::new(PoolState {
                lifecycle: Lifecycle::Open,
                queue: TaskQueue::new(ageing),
                workers: BTreeMap::new(),
                idle: VecDeque::new(),
                outbox: Vec::new(),
                next_task: 1,
                next_worker: 1,
                running: 0,
                start_failures: 0,
                retry_starts_at: None,
                respawns: BTreeMap::new(),
                next_respawn: 0,
                counters: Counters::default(),
                wait_times: Histogram::default(),
                run_times: Histogram::default(),
                busy: Duration::ZERO,
                started: Instant::now(),
                inherited_restarts: VecDeque::new(),
            }),
            me: me.clone(),
        })
    }

    /// Requests the initial workers (workers start eagerly).
    pub fn start(&self) {
        let mut state = self.state.lock();
        for _ in 0..self.config.min_workers {
            self.spawn_worker(&mut state);
        }
    }

    pub fn register_handler(&self, spec: HandlerSpec) -> HandlerId {
        self.handlers.intern(spec)
    }

    pub fn handler(&self, id: HandlerId) -> Option<HandlerSpec> {
        self.handlers.get(id)
    }

    // ---- the host's side -------------------------------------------------

    pub fn submit(&self, new: NewTask) -> Result<TaskId, SubmitError> {
        let mut state = self.state.lock();
        if state.lifecycle != Lifecycle::Open {
            return Err(SubmitError::Closed);
        }
        let idle_worker = self.pop_idle(&mut state);
        let stalled = idle_worker.is_none() && self.live_count(&state) == 0;
        if stalled && state.retry_starts_at.is_some_and(|at| Instant::now() < at) {
            return Err(SubmitError::StartFailing);
        }
        // A stalled pool takes the task past the queue limit: it is the one
        // that waits for the half-open start attempt (even with maxQueue 0).
        if idle_worker.is_none() && !stalled && state.queue.len() >= self.config.max_queue {
            return Err(SubmitError::QueueFull);
        }
        let id = TaskId(state.next_task);
        state.next_task += 1;
        let NewTask { handler, payload, timeout, priority, retries, announce } = new;
        let mut task = Task {
            id,
            handler,
            payload,
            timeout,
            priority,
            retries,
            attempt: 1,
            submitted: Instant::now(),
            wait_deadline: None,
            announce,
        };
        match idle_worker {
            Some(worker) => {
                self.assign(&mut state, worker, task);
                let ctx = state.workers.get_mut(&worker).expect("just assigned");
                ctx.wake_up_for(announce);
                if ctx.has_capacity() {
                    // Room for more: others with more room go first.
                    ctx.listed_available = true;
                    state.idle.push_front(worker);
                }
            }
            None => {
                task.wait_deadline = self
                    .config
                    .max_queue_wait
                    .map(|wait| Box::new(self.schedule(wait, move |pool| pool.on_queue_deadline(id, wait))));
                state.queue.push(task);
                if stalled {
                    // Half-open: one start attempt, which this task waits for.
                    self.cancel_respawns(&mut state);
                    self.spawn_worker(&mut state);
                } else if self.config.max_workers > self.config.min_workers && self.wants_replacement(&state) {
                    // A dynamic pool grows towards max_workers while tasks wait
                    // (a fixed one replaces its workers where they leave).
                    self.spawn_worker(&mut state);
                }
                if announce {
                    self.reserve_for_starting(&mut state, id);
                }
            }
        }
        Ok(id)
    }

    /// An announced task that would wait for a worker still starting goes to
    /// it now: the host then sends its payload (shared memory, a port, moved
    /// buffers) at once, while its caller is still there to send it; a caller
    /// that blocks its thread next (`Atomics.wait` on that memory) is not
    /// waiting for itself. Its deadline counts from when the worker is ready.
    fn reserve_for_starting(&self, state: &mut PoolState, id: TaskId) {
        let starting = state
            .workers
            .values()
            .find(|w| w.state == WorkerState::Starting && w.tasks.len() < w.capacity)
            .map(|w| w.id);
        let Some(worker) = starting else { return };
        let Some(task) = state.queue.remove(id) else { return };
        self.assign(state, worker, task);
    }

    /// Everything the core has said since the last call, in order.
    pub fn take_events(&self) -> Vec<Event> {
        std::mem::take(&mut self.state.lock().outbox)
    }

    /// Rejects every task with `Disposed`, asks for every worker to be
    /// terminated and cancels every timer. Idempotent.
    pub fn dispose(&self) {
        let mut state = self.state.lock();
        if state.lifecycle == Lifecycle::Disposed {
            return;
        }
        state.lifecycle = Lifecycle::Disposed;
        for task in state.queue.drain() {
            self.settle_queued(&mut state, task, Outcome::Disposed);
        }
        let worker_ids: Vec<WorkerId> = state.workers.keys().copied().collect();
        for worker in worker_ids {
            let ctx = state.workers.get_mut(&worker).expect("listed above");
            if let Some(timer) = ctx.idle_timer.take() {
                self.timers.cancel(timer);
            }
            if !ctx.state.is_terminating() {
                ctx.state = WorkerState::Terminating(TerminateReason::Dispose);
                // Before its tasks and its grace go: they say whether it may leave on its own.
                let stopping = ctx.stopping(self.launcher.is_none());
                if ctx.lingering {
                    ctx.wake_up(); // it returns to JavaScript, where termination takes effect
                }
                self.emit(&mut state, Event::TerminateWorker(worker, stopping));
            }
            let ctx = state.workers.get_mut(&worker).expect("listed above");
            if let Some(timer) = ctx.grace.take().and_then(|grace| grace.timer) {
                self.timers.cancel(timer);
            }
            let tasks = ctx.release_all();
            for (id, assigned) in tasks {
                self.settle_assigned(&mut state, id, assigned, Outcome::Disposed);
            }
        }
        state.idle.clear();
        self.cancel_respawns(&mut state);
    }

    /// Settles a task with `Aborted` wherever it is: removed from the queue,
    /// or taken from its worker, which is terminated and replaced. Returns
    /// false if it had already settled.
    pub fn abort(&self, task: TaskId) -> bool {
        let mut state = self.state.lock();
        if let Some(queued) = state.queue.remove(task) {
            state.counters.aborted += 1;
            self.settle_queued(&mut state, queued, Outcome::Aborted);
            return true;
        }
        let Some(worker) = state.workers.values().find(|w| w.tasks.contains_key(&task)).map(|w| w.id) else {
            return false;
        };
        let ctx = state.workers.get_mut(&worker).expect("found above");
        let assigned = ctx.release(task).expect("found above");
        ctx.failed += 1;
        // Not yet picked up: the worker never sees it, nothing to stop.
        let running = assigned.payload.is_none();
        // A worker that runs other tasks is told (the handler's ctx.signal
        // aborts) rather than terminated, if its loop turns (see grace.rs);
        // whatever the handler returns is dropped.
        let spared = running && self.spares(ctx);
        if spared {
            self.begin_grace(ctx, task, TerminateReason::Abort);
        }
        state.counters.aborted += 1;
        self.settle_assigned(&mut state, task, assigned, Outcome::Aborted);
        if running && !spared {
            self.stop_worker(&mut state, worker, TerminateReason::Abort);
        } else {
            self.list_available(&mut state, worker);
        }
        true
    }

    /// Tasks of this worker aborted since it last asked: the supervisor's
    /// call, which passes them on (the worker acknowledges with `aborts_seen`).
    pub fn take_aborted(&self, worker: WorkerId) -> Vec<TaskId> {
        self.state.lock().workers.get_mut(&worker).map(|w| std::mem::take(&mut w.aborted)).unwrap_or_default()
    }

    /// Whether `worker` is to leave (or has been forgotten): rung while it
    /// runs nothing, it then leaves on its own (see `Stopping::Idle`).
    pub fn is_leaving(&self, worker: WorkerId) -> bool {
        self.state.lock().workers.get(&worker).is_none_or(|ctx| ctx.state.is_terminating())
    }

    /// `take_aborted`, called by the worker itself from its event loop:
    /// that it could call is the proof a grace waits for.
    pub fn take_aborted_from_loop(&self, worker: WorkerId) -> Vec<TaskId> {
        let mut state = self.state.lock();
        let aborted = state.workers.get_mut(&worker).map(|w| std::mem::take(&mut w.aborted)).unwrap_or_default();
        self.end_grace(&mut state, worker);
        aborted
    }

    /// Refuses new tasks; emits `Closed` once every accepted task has settled.
    pub fn close(&self) {
        let mut state = self.state.lock();
        if state.lifecycle == Lifecycle::Open {
            state.lifecycle = Lifecycle::Closing;
            self.check_closed(&mut state);
        }
    }

    /// `close({ force })`: settles the tasks still waiting in the queue with
    /// `Disposed`, at once; tasks already with a worker are left to finish,
    /// and so are those a starting worker will take first (a worker started
    /// for them: they are as good as started). Returns how many were settled.
    /// Only once closing: an open pool would go on accepting tasks, which the
    /// caller would not expect to survive.
    pub fn drop_queued(&self) -> usize {
        let mut state = self.state.lock();
        if state.lifecycle != Lifecycle::Closing {
            return 0;
        }
        let concurrency = self.config.concurrency.max(1);
        let starting_slots: usize = state
            .workers
            .values()
            .filter(|w| w.state == WorkerState::Starting)
            .map(|w| concurrency.saturating_sub(w.tasks.len()))
            .sum();
        // The first in line (as the queue hands them out) stay for them.
        let kept: Vec<_> = (0..starting_slots).map_while(|_| state.queue.pop()).collect();
        let dropped = state.queue.drain();
        for task in kept {
            state.queue.push(task);
        }
        let count = dropped.len();
        // Each settlement checks whether the pool is now closed: the last
        // one reports `Closed` when no task is running or kept.
        for task in dropped {
            self.settle_queued(&mut state, task, Outcome::Disposed);
        }
        count
    }

    // ---- a worker's side -------------------------------------------------

    /// The worker has loaded its module. Returns its first task, if one is waiting.
    pub fn worker_ready(&self, worker: WorkerId, doorbell: Arc<dyn Doorbell>) -> Option<Delivery> {
        let mut state = self.state.lock();
        let ctx = state.workers.get_mut(&worker)?;
        if ctx.state != WorkerState::Starting {
            return None;
        }
        ctx.state = WorkerState::Ready;
        ctx.doorbell = Some(doorbell);
        self.start_reserved(&mut state, worker);
        if state.retry_starts_at.take().is_some() {
            self.emit(&mut state, Event::BreakerClosed);
            // The module loads again: close the breaker and restore the pool's size.
            self.cancel_respawns(&mut state);
            while self.wants_replacement(&state) {
                self.spawn_worker(&mut state);
            }
        }
        // A retiring worker may have been waiting for this one.
        let retiring: Vec<WorkerId> =
            state.workers.values().filter(|w| matches!(w.state, WorkerState::Retiring(_))).map(|w| w.id).collect();
        for old in retiring {
            self.leave_if_retired(&mut state, old);
        }
        self.take_next(&mut state, worker)
    }

    /// The next task assigned to this worker, after its doorbell rang.
    pub fn take(&self, worker: WorkerId) -> Option<Delivery> {
        let mut state = self.state.lock();
        self.take_next(&mut state, worker)
    }

    /// Records a task's result and hands the worker its next task in the same
    /// call, so a busy worker crosses into the core once per task. With no
    /// next task, it lingers (see `PoolConfig::linger`).
    pub fn complete(&self, worker: WorkerId, task: TaskId, outcome: Outcome) -> Option<Delivery> {
        debug_assert!(matches!(outcome, Outcome::Returned(_) | Outcome::Threw(_)));
        let mut state = self.state.lock();
        let ctx = state.workers.get_mut(&worker)?;
        // `None` when a deadline or dispose settled it first: the result is dropped.
        if let Some(assigned) = ctx.release(task) {
            let success = outcome.is_success();
            if success {
                ctx.completed += 1;
            } else {
                ctx.failed += 1;
            }
            let done = ctx.completed + ctx.failed;
            if success {
                state.counters.completed += 1;
            } else {
                state.counters.failed += 1;
            }
            state.start_failures = 0;
            self.settle_assigned(&mut state, task, assigned, outcome);
            if self.config.max_tasks_per_worker.is_some_and(|limit| done >= limit) {
                self.retire(&mut state, worker, RetireReason::MaxTasks);
            }
        }
        self.leave_if_retired(&mut state, worker);
        if let Some(delivery) = self.take_next(&mut state, worker) {
            return Some(delivery);
        }
        self.linger(state, worker)
    }

    /// Waits (without the lock) until a task is assigned to `worker` or
    /// `PoolConfig::linger` has passed. See there for why.
    fn linger(&self, mut state: MutexGuard<'_, PoolState>, worker: WorkerId) -> Option<Delivery> {
        let until = Instant::now() + self.config.linger;
        loop {
            let ctx = state.workers.get_mut(&worker)?;
            if let Some(delivery) = ctx.next_delivery() {
                ctx.lingering = false;
                return Some(delivery);
            }
            if ctx.state != WorkerState::Ready || !ctx.tasks.is_empty() || Instant::now() >= until {
                ctx.lingering = false;
                return None;
            }
            ctx.lingering = true;
            ctx.assigned.store(false, Ordering::Relaxed);
            let assigned = ctx.assigned.clone();
            MutexGuard::unlocked(&mut state, || {
                // Yielding, not only spinning: where threads outnumber
                // cores (the caller's main thread, V8's helpers, the other
                // workers) a lingering worker must not keep the thread that
                // will submit its next task off the CPU.
                while !assigned.load(Ordering::Acquire) && Instant::now() < until {
                    std::thread::yield_now();
                }
            });
        }
    }

    // ---- timers ------------------------------------------------------------

    fn on_deadline(&self, worker: WorkerId, task: TaskId) {
        let mut state = self.state.lock();
        let Some(ctx) = state.workers.get_mut(&worker) else { return };
        let Some(mut assigned) = ctx.release(task) else { return };
        assigned.deadline = None; // it has fired; nothing to cancel
        ctx.failed += 1;
        let timeout = assigned.timeout;
        // A worker that runs other tasks keeps them if its loop turns (the
        // handler's signal aborts; see grace.rs). Either way no retry lands
        // on it: a stopped worker or one in a grace takes no task.
        if assigned.payload.is_none() && self.spares(ctx) {
            self.begin_grace(ctx, task, TerminateReason::Timeout);
        } else {
            self.stop_worker(&mut state, worker, TerminateReason::Timeout);
        }
        self.retry_or_fail(&mut state, task, assigned, |attempts| Outcome::TimedOut { timeout, attempts });
    }

    /// A running task was lost to a crash or a timeout: it runs again if it
    /// has retries left (back in the queue, keeping its id, so its caller
    /// sees only the final outcome), else it fails with `outcome(attempts)`.
    fn retry_or_fail(
        &self,
        state: &mut PoolState,
        id: TaskId,
        mut assigned: Assigned,
        outcome: impl FnOnce(u32) -> Outcome,
    ) {
        let Some(retry) = assigned.retry.take() else {
            let outcome = outcome(assigned.attempt);
            match outcome {
                Outcome::Crashed { .. } => state.counters.crashed += 1,
                Outcome::TimedOut { .. } => state.counters.timed_out += 1,
                _ => {}
            }
            state.counters.failed += 1;
            return self.settle_assigned(state, id, assigned, outcome);
        };
        if let Some(deadline) = assigned.deadline.take() {
            self.timers.cancel(deadline);
        }
        state.running -= 1;
        state.counters.retried += 1;
        let timeout = Some(assigned.timeout).filter(|timeout| !timeout.is_zero());
        let task = Task {
            id,
            handler: assigned.handler,
            payload: retry.payload,
            timeout,
            priority: retry.priority,
            retries: retry.retries_left - 1,
            attempt: assigned.attempt + 1,
            submitted: Instant::now(),
            wait_deadline: None,
            announce: assigned.announce,
        };
        let announce = task.announce;
        match self.pop_idle(state) {
            Some(worker) => {
                self.assign(state, worker, task);
                state.workers.get_mut(&worker).expect("just assigned").wake_up_for(announce);
                self.list_available(state, worker); // room for more, with several tasks per worker
            }
            None => {
                state.queue.push(task);
                // A dynamic pool may have no worker left to take it.
                if self.wants_replacement(state) {
                    self.spawn_worker(state);
                }
            }
        }
    }

    fn on_queue_deadline(&self, task: TaskId, waited: Duration) {
        let mut state = self.state.lock();
        if let Some(mut queued) = state.queue.remove(task) {
            queued.wait_deadline = None; // it has fired
            state.counters.failed += 1;
            state.counters.queue_timed_out += 1;
            self.settle_queued(&mut state, queued, Outcome::QueueTimedOut { waited });
            return;
        }
        // Reserved by a worker that is still starting: not started either.
        let reserved = state.workers.values().find(|w| w.state == WorkerState::Starting && w.tasks.contains_key(&task));
        let Some(worker) = reserved.map(|w| w.id) else { return };
        let ctx = state.workers.get_mut(&worker).expect("found above");
        ctx.release(task).expect("found above"); // its deadline is this timer, which has fired
        state.running -= 1;
        state.counters.failed += 1;
        state.counters.queue_timed_out += 1;
        self.settle(&mut state, task, Outcome::QueueTimedOut { waited });
        self.list_available(&mut state, worker);
    }

    // ---- introspection -----------------------------------------------------

    /// Workers not on their way out: starting, ready or retiring.
    pub fn size(&self) -> usize {
        let state = self.state.lock();
        state.workers.values().filter(|w| !w.state.is_terminating()).count()
    }

    pub fn queue_size(&self) -> usize {
        self.state.lock().queue.len()
    }

    pub fn running(&self) -> usize {
        self.state.lock().running
    }

    /// The wait and run times as a Prometheus histogram shows them.
    pub fn exported_times(&self) -> ExportedTimes {
        let state = self.state.lock();
        ExportedTimes { wait_time: state.wait_times.exported(), run_time: state.run_times.exported() }
    }

    pub fn stats(&self) -> PoolStats {
        let state = self.state.lock();
        PoolStats {
            workers: state
                .workers
                .values()
                .map(|w| WorkerStats {
                    id: w.id,
                    state: w.state_name(),
                    running: w.tasks.len(),
                    completed: w.completed,
                    failed: w.failed,
                    memory_mb: w.memory_mb,
                    restarts: w.restarts,
                })
                .collect(),
            queued: state.queue.len(),
            running: state.running,
            counters: state.counters,
            wait_time: state.wait_times.summary(),
            run_time: state.run_times.summary(),
            utilization: {
                let capacity = state.started.elapsed().as_secs_f64() * self.config.max_workers as f64;
                if capacity > 0.0 {
                    (state.busy.as_secs_f64() / capacity).min(1.0)
                } else {
                    0.0
                }
            },
        }
    }

    // ---- internals (all called with the state lock held) ------------------

    /// Runs `action` on the timer thread after `after`, if the pool still
    /// exists then: a pending timer never keeps a disposed pool alive.
    fn schedule(&self, after: Duration, action: impl FnOnce(&Pool) + Send + 'static) -> TimerId {
        let pool = self.me.clone();
        self.timers.schedule(
            after,
            Box::new(move || {
                if let Some(pool) = pool.upgrade() {
                    action(&pool);
                }
            }),
        )
    }

    fn emit(&self, state: &mut PoolState, event: Event) {
        if let Some(launcher) = &self.launcher {
            match event {
                Event::SpawnWorker(worker) => launcher.spawn(worker),
                Event::TerminateWorker(worker, _) => launcher.terminate(worker),
                _ => {}
            }
        }
        let was_empty = state.outbox.is_empty();
        state.outbox.push(event);
        if was_empty {
            self.host.ring();
        }
    }

    fn settle(&self, state: &mut PoolState, task: TaskId, outcome: Outcome) {
        self.emit(state, Event::Settled { task, outcome });
        self.check_closed(state);
    }

    /// Settles a task that was just removed from the queue.
    fn settle_queued(&self, state: &mut PoolState, task: Task, outcome: Outcome) {
        if let Some(deadline) = task.wait_deadline {
            self.timers.cancel(*deadline);
        }
        self.settle(state, task.id, outcome);
    }

    /// Settles a task that was just removed from a worker context.
    fn settle_assigned(&self, state: &mut PoolState, task: TaskId, assigned: Assigned, outcome: Outcome) {
        if let Some(deadline) = assigned.deadline {
            self.timers.cancel(deadline);
        }
        let ran = assigned.started.elapsed();
        state.run_times.record(ran);
        state.busy += ran;
        state.running -= 1;
        self.settle(state, task, outcome);
    }

    fn check_closed(&self, state: &mut PoolState) {
        if state.lifecycle == Lifecycle::Closing && state.queue.is_empty() && state.running == 0 {
            state.lifecycle = Lifecycle::Closed;
            self.emit(state, Event::Closed);
        }
    }

    /// The most recently idle worker: it is likely still lingering (woken by a
    /// futex rather than its event loop) and has warm caches.
    fn pop_idle(&self, state: &mut PoolState) -> Option<WorkerId> {
        while let Some(worker) = state.idle.pop_back() {
            if let Some(ctx) = state.workers.get_mut(&worker) {
                ctx.listed_available = false;
                if ctx.has_capacity() {
                    return Some(worker);
                }
            }
        }
        None
    }

    /// Lists a worker with free capacity as available (once).
    fn list_available(&self, state: &mut PoolState, worker: WorkerId) {
        let Some(ctx) = state.workers.get_mut(&worker) else { return };
        if ctx.has_capacity() && !ctx.listed_available {
            ctx.listed_available = true;
            state.idle.push_back(worker);
        }
        if ctx.is_idle() {
            self.arm_idle_timer(state, worker);
        }
    }

    /// The worker is ready: what it reserved while starting starts now (its
    /// wait ends, its deadline counts from here).
    fn start_reserved(&self, state: &mut PoolState, worker: WorkerId) {
        let Some(ctx) = state.workers.get_mut(&worker) else { return };
        let now = Instant::now();
        let mut waited = Vec::new();
        let mut deadlines = Vec::new();
        for (&id, assigned) in ctx.tasks.iter_mut() {
            waited.push(now.saturating_duration_since(assigned.started));
            assigned.started = now;
            // Its wait deadline (see `assign`): it starts in time.
            if let Some(wait_deadline) = assigned.deadline.take() {
                self.timers.cancel(wait_deadline);
            }
            if !assigned.timeout.is_zero() {
                deadlines.push((id, assigned.timeout));
            }
        }
        for (id, timeout) in deadlines {
            let timer = self.schedule(timeout, move |pool| pool.on_deadline(worker, id));
            if let Some(assigned) = state.workers.get_mut(&worker).and_then(|w| w.tasks.get_mut(&id)) {
                assigned.deadline = Some(timer);
            }
        }
        for wait in waited {
            state.wait_times.record(wait);
        }
    }

    /// Moves `task` into `worker`'s context and arms its deadline.
    fn assign(&self, state: &mut PoolState, worker: WorkerId, mut task: Task) {
        let (id, attempt, announce) = (task.id, task.attempt, task.announce);
        let ready = state.workers.get(&worker).is_some_and(|w| w.state != WorkerState::Starting);
        // A task reserved by a starting worker waits, and its deadline counts,
        // from when the worker is ready (`start_reserved`); until then its
        // wait deadline stands in the deadline's place.
        // One clock read for both the wait it ends and the run it starts.
        let now = Instant::now();
        let deadline = if ready {
            if let Some(wait_deadline) = task.wait_deadline.take() {
                self.timers.cancel(*wait_deadline);
            }
            state.wait_times.record(now.saturating_duration_since(task.submitted));
            task.timeout.map(|timeout| self.schedule(timeout, move |pool| pool.on_deadline(worker, id)))
        } else {
            task.wait_deadline.take().map(|wait_deadline| *wait_deadline)
        };
        state.running += 1;
        let ctx = state.workers.get_mut(&worker).expect("assigning to a known worker");
        ctx.idle_epoch += 1; // no longer idle: a pending idle timer is void
        let idle_timer = ctx.idle_timer.take();
        ctx.assign(task, deadline, now);
        if let Some(timer) = idle_timer {
            self.timers.cancel(timer);
        }
        if announce {
            self.emit(state, Event::TaskAssigned { task: id, worker, attempt });
        }
    }

    /// The worker's next delivery: an assigned task it has not seen, else the
    /// queue's head. Marks the worker idle when there is nothing.
    fn take_next(&self, state: &mut PoolState, worker: WorkerId) -> Option<Delivery> {
        let ctx = state.workers.get_mut(&worker)?;
        // Even a retiring worker runs what it was given before it retired.
        if let Some(delivery) = ctx.next_delivery() {
            return Some(delivery);
        }
        if !ctx.has_capacity() {
            return None;
        }
        match state.queue.pop() {
            Some(task) => {
                self.assign(state, worker, task);
                if state.queue.is_empty() {
                    self.emit(state, Event::QueueDrained);
                }
                state.workers.get_mut(&worker).and_then(WorkerContext::next_delivery)
            }
            None => {
                self.list_available(state, worker);
                None
            }
        }
    }
}
