//! What the scheduler tests share: a fake host, fake doorbells and timers that
//! fire only when told, the [`Harness`] that plays the host's and the workers'
//! parts around a pool, and small constructors.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;

use crate::core::timer::{TimerAction, TimerId, Timers};
use crate::core::{
    Backoff, Delivery, Doorbell, Event, ExitReason, HandlerId, HandlerSpec, Host, Launcher, NewTask, Outcome, Pool,
    PoolConfig, RetireReason, Stopping, TaskId, WorkerId,
};

/// Stands for the JavaScript main thread: it only counts how often the pool
/// rings it; the test reads the outbox itself (`Harness::pump`).
#[derive(Default)]
pub(super) struct FakeHost {
    pub(super) rings: AtomicUsize,
}

impl Host for FakeHost {
    fn ring(&self) {
        self.rings.fetch_add(1, Ordering::SeqCst);
    }
}

/// Stands for an idle worker's wake-up: it only counts how often the pool
/// rings it to say a task was assigned; the test then calls `Pool::take`.
#[derive(Default)]
pub(super) struct FakeDoorbell {
    pub(super) rings: AtomicUsize,
}

impl Doorbell for FakeDoorbell {
    fn ring(&self) {
        self.rings.fetch_add(1, Ordering::SeqCst);
    }
}

/// Stands for a host that starts and stops workers itself (the process
/// supervisor): it records what the pool asked, in order, so that the
/// harness can check it against the events (`Harness::pump`).
#[derive(Default)]
pub(super) struct FakeLauncher {
    calls: Mutex<Vec<Event>>,
}

impl Launcher for FakeLauncher {
    fn spawn(&self, worker: WorkerId) {
        self.calls.lock().push(Event::SpawnWorker(worker));
    }

    fn terminate(&self, worker: WorkerId) {
        self.calls.lock().push(Event::TerminateWorker(worker, Stopping::Now));
    }
}

/// Stands for the timer thread. Timers that fire only when the test says so.
#[derive(Default)]
pub(super) struct ManualTimers {
    pending: Mutex<BTreeMap<TimerId, (Duration, TimerAction)>>,
    next_seq: AtomicUsize,
}

impl ManualTimers {
    /// The delays of the timers scheduled and neither fired nor cancelled.
    pub(super) fn pending_delays(&self) -> Vec<Duration> {
        self.pending.lock().values().map(|(delay, _)| *delay).collect()
    }

    /// Fires every pending timer (in scheduling order).
    pub(super) fn fire_all(&self) -> usize {
        let actions: Vec<_> = std::mem::take(&mut *self.pending.lock()).into_values().collect();
        let count = actions.len();
        for (_, action) in actions {
            action();
        }
        count
    }
}

impl Timers for ManualTimers {
    fn schedule(&self, after: Duration, action: TimerAction) -> TimerId {
        let id = TimerId::for_tests(self.next_seq.fetch_add(1, Ordering::SeqCst) as u64);
        self.pending.lock().insert(id, (after, action));
        id
    }

    fn cancel(&self, id: TimerId) -> bool {
        self.pending.lock().remove(&id).is_some()
    }
}

/// A started pool with a fake host, manual timers and one handler, plus a
/// record of every event the pool sent its host. The test plays the workers:
/// a worker the pool asked for exists once the test calls `ready_worker`.
pub(super) struct Harness {
    pub(super) pool: Arc<Pool>,
    pub(super) host: Arc<FakeHost>,
    pub(super) launcher: Arc<FakeLauncher>,
    pub(super) timers: Arc<ManualTimers>,
    /// The doorbell each ready worker gave the pool.
    pub(super) doorbells: HashMap<WorkerId, Arc<FakeDoorbell>>,
    pub(super) handler: HandlerId,
    /// Every settlement seen, in order.
    pub(super) settled: Vec<(TaskId, Outcome)>,
    pub(super) spawned: Vec<WorkerId>,
    pub(super) terminated: Vec<WorkerId>,
    /// How each `terminated` worker was to stop, in the same order.
    pub(super) stoppings: Vec<Stopping>,
    /// The pool has no launcher: the host (the test) starts and stops its
    /// workers, as the main thread does threads.
    hosted: bool,
    pub(super) retiring: Vec<(WorkerId, RetireReason)>,
    pub(super) breaker: Vec<&'static str>,
    pub(super) drained: usize,
    pub(super) closed: usize,
    pub(super) exited: Vec<(WorkerId, ExitReason)>,
    /// Announced tasks and who took them: (task, worker, attempt).
    pub(super) assigned: Vec<(TaskId, WorkerId, u32)>,
}

impl Harness {
    /// A started pool of `workers` fixed workers, none of them ready yet.
    pub(super) fn new(workers: usize, max_queue: usize) -> Harness {
        Harness::with(config(workers, max_queue, Duration::ZERO))
    }

    /// A started pool with this configuration, none of its workers ready yet.
    pub(super) fn with(config: PoolConfig) -> Harness {
        Harness::build(config, false)
    }

    /// `with`, for a pool without a launcher, whose host stops its workers.
    pub(super) fn hosted(config: PoolConfig) -> Harness {
        Harness::build(config, true)
    }

    fn build(config: PoolConfig, hosted: bool) -> Harness {
        let host = Arc::new(FakeHost::default());
        let timers = Arc::new(ManualTimers::default());
        let launcher = Arc::new(FakeLauncher::default());
        let for_pool = launcher.clone();
        let pool = if hosted {
            Pool::new(config, host.clone(), timers.clone())
        } else {
            Pool::with_launcher(config, host.clone(), timers.clone(), |_| for_pool)
        };
        let handler = pool.register_handler(HandlerSpec { filename: None, name: None });
        pool.start();
        let mut harness = Harness {
            pool,
            host,
            launcher,
            timers,
            doorbells: HashMap::new(),
            handler,
            settled: Vec::new(),
            spawned: Vec::new(),
            terminated: Vec::new(),
            stoppings: Vec::new(),
            hosted,
            retiring: Vec::new(),
            breaker: Vec::new(),
            drained: 0,
            closed: 0,
            exited: Vec::new(),
            assigned: Vec::new(),
        };
        harness.pump();
        harness
    }

    /// A started pool whose workers are all ready.
    pub(super) fn ready(workers: usize) -> Harness {
        let mut harness = Harness::new(workers, usize::MAX);
        for worker in harness.spawned.clone() {
            assert_eq!(harness.ready_worker(worker), None);
        }
        harness
    }

    /// The worker has started: it tells the pool it is ready, with a fresh
    /// doorbell, and gets its first task if one waits.
    pub(super) fn ready_worker(&mut self, worker: WorkerId) -> Option<Delivery> {
        let doorbell = Arc::new(FakeDoorbell::default());
        self.doorbells.insert(worker, doorbell.clone());
        self.pool.worker_ready(worker, doorbell)
    }

    /// Submits a task with a one-byte payload and no deadline.
    pub(super) fn submit(&self, payload: u8) -> TaskId {
        self.pool.submit(new_task(self.handler, vec![payload], None)).expect("accepted")
    }

    /// Submits a task with a one-byte payload and a deadline of `ms`.
    pub(super) fn submit_with_timeout(&self, payload: u8, ms: u64) -> TaskId {
        self.pool.submit(new_task(self.handler, vec![payload], Some(Duration::from_millis(ms)))).expect("accepted")
    }

    /// Reads the outbox as the main thread would, and checks that the pool
    /// called its launcher for exactly the workers the events name, in order
    /// (one start per `SpawnWorker`, one stop per `TerminateWorker`).
    pub(super) fn pump(&mut self) {
        let events = self.pool.take_events();
        let launched: Vec<&Event> =
            events.iter().filter(|e| matches!(e, Event::SpawnWorker(_) | Event::TerminateWorker(..))).collect();
        let calls = std::mem::take(&mut *self.launcher.calls.lock());
        if !self.hosted {
            assert_eq!(calls.iter().collect::<Vec<_>>(), launched, "the launcher's calls differ from the events");
        }
        for event in events {
            match event {
                Event::Settled { task, outcome } => self.settled.push((task, outcome)),
                Event::SpawnWorker(worker) => self.spawned.push(worker),
                Event::TerminateWorker(worker, stopping) => {
                    self.terminated.push(worker);
                    self.stoppings.push(stopping);
                }
                Event::WorkerRetiring(worker, reason) => self.retiring.push((worker, reason)),
                Event::QueueDrained => self.drained += 1,
                Event::BreakerOpened => self.breaker.push("open"),
                Event::BreakerClosed => self.breaker.push("closed"),
                Event::Closed => self.closed += 1,
                Event::WorkerExited { worker, reason, .. } => self.exited.push((worker, reason)),
                Event::TaskAssigned { task, worker, attempt } => self.assigned.push((task, worker, attempt)),
            }
        }
    }

    /// The task's outcome; panics unless it settled exactly once.
    pub(super) fn outcome_of(&self, task: TaskId) -> &Outcome {
        let mut outcomes = self.settled.iter().filter(|(id, _)| *id == task);
        let (_, outcome) = outcomes.next().unwrap_or_else(|| panic!("{task:?} never settled"));
        assert!(outcomes.next().is_none(), "{task:?} settled twice");
        outcome
    }

    /// Each of these tasks settled once, and no other task settled.
    pub(super) fn assert_each_settled_once(&self, tasks: &[TaskId]) {
        for task in tasks {
            self.outcome_of(*task);
        }
        assert_eq!(self.settled.len(), tasks.len(), "settlements of unknown tasks");
    }

    /// How often the pool rang this worker's doorbell.
    pub(super) fn doorbell_rings(&self, worker: WorkerId) -> usize {
        self.doorbells[&worker].rings.load(Ordering::SeqCst)
    }
}

/// A fixed pool of `workers`, one task per worker, no deadlines, no
/// retirement, the default back-off.
pub(super) fn config(workers: usize, max_queue: usize, linger: Duration) -> PoolConfig {
    PoolConfig {
        min_workers: workers,
        max_workers: workers,
        idle_timeout: None,
        concurrency: 1,
        max_queue,
        max_queue_wait: None,
        ageing: Duration::from_secs(1),
        backoff: Backoff::default(),
        max_tasks_per_worker: None,
        max_worker_memory_mb: None,
        linger,
        abort_grace: Some(Duration::from_secs(1)),
    }
}

/// A task of priority 0 with no retries.
pub(super) fn new_task(handler: HandlerId, payload: Vec<u8>, timeout: Option<Duration>) -> NewTask {
    NewTask { handler, payload, timeout, priority: 0, retries: 0, announce: false }
}

/// The outcome of a handler that returned this one byte.
pub(super) fn returned(byte: u8) -> Outcome {
    Outcome::Returned(vec![byte])
}
