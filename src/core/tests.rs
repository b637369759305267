//! Scheduler tests with a fake host and fake (manually fired) timers.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;

use super::timer::{TimerAction, TimerId, Timers};
use super::*;

#[derive(Default)]
struct FakeHost {
    rings: AtomicUsize,
}

impl Host for FakeHost {
    fn ring(&self) {
        self.rings.fetch_add(1, Ordering::SeqCst);
    }
}

#[derive(Default)]
struct FakeDoorbell {
    rings: AtomicUsize,
}

impl Doorbell for FakeDoorbell {
    fn ring(&self) {
        self.rings.fetch_add(1, Ordering::SeqCst);
    }
}

/// Timers that fire only when the test says so.
#[derive(Default)]
struct ManualTimers {
    pending: Mutex<BTreeMap<TimerId, (Duration, TimerAction)>>,
    next_seq: AtomicUsize,
}

impl ManualTimers {
    fn pending_delays(&self) -> Vec<Duration> {
        self.pending.lock().values().map(|(delay, _)| *delay).collect()
    }

    /// Fires every pending timer (in scheduling order).
    fn fire_all(&self) -> usize {
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

struct Harness {
    pool: Arc<Pool>,
    host: Arc<FakeHost>,
    timers: Arc<ManualTimers>,
    doorbells: HashMap<WorkerId, Arc<FakeDoorbell>>,
    handler: HandlerId,
    /// Every settlement seen, in order.
    settled: Vec<(TaskId, Outcome)>,
    spawned: Vec<WorkerId>,
    terminated: Vec<WorkerId>,
    retiring: Vec<(WorkerId, RetireReason)>,
    breaker: Vec<&'static str>,
    drained: usize,
    closed: usize,
    exited: Vec<(WorkerId, ExitReason)>,
}

impl Harness {
    fn new(workers: usize, max_queue: usize) -> Harness {
        Harness::with(config(workers, max_queue, Duration::ZERO))
    }

    fn with(config: PoolConfig) -> Harness {
        let host = Arc::new(FakeHost::default());
        let timers = Arc::new(ManualTimers::default());
        let pool = Pool::new(config, host.clone(), timers.clone());
        let handler = pool.register_handler(HandlerSpec { filename: None, name: None });
        pool.start();
        let mut harness = Harness {
            pool,
            host,
            timers,
            doorbells: HashMap::new(),
            handler,
            settled: Vec::new(),
            spawned: Vec::new(),
            terminated: Vec::new(),
            retiring: Vec::new(),
            breaker: Vec::new(),
            drained: 0,
            closed: 0,
            exited: Vec::new(),
        };
        harness.pump();
        harness
    }

    /// A started pool whose workers are all ready.
    fn ready(workers: usize) -> Harness {
        let mut harness = Harness::new(workers, usize::MAX);
        for worker in harness.spawned.clone() {
            assert_eq!(harness.ready_worker(worker), None);
        }
        harness
    }

    fn ready_worker(&mut self, worker: WorkerId) -> Option<Delivery> {
        let doorbell = Arc::new(FakeDoorbell::default());
        self.doorbells.insert(worker, doorbell.clone());
        self.pool.worker_ready(worker, doorbell)
    }

    fn submit(&self, payload: u8) -> TaskId {
        self.pool.submit(new_task(self.handler, vec![payload], None)).expect("accepted")
    }

    fn submit_with_timeout(&self, payload: u8, ms: u64) -> TaskId {
        self.pool.submit(new_task(self.handler, vec![payload], Some(Duration::from_millis(ms)))).expect("accepted")
    }

    /// Reads the outbox as the main thread would.
    fn pump(&mut self) {
        for event in self.pool.take_events() {
            match event {
                Event::Settled { task, outcome } => self.settled.push((task, outcome)),
                Event::SpawnWorker(worker) => self.spawned.push(worker),
                Event::TerminateWorker(worker) => self.terminated.push(worker),
                Event::WorkerRetiring(worker, reason) => self.retiring.push((worker, reason)),
                Event::QueueDrained => self.drained += 1,
                Event::BreakerOpened => self.breaker.push("open"),
                Event::BreakerClosed => self.breaker.push("closed"),
                Event::Closed => self.closed += 1,
                Event::WorkerExited { worker, reason, .. } => self.exited.push((worker, reason)),
            }
        }
    }

    fn outcome_of(&self, task: TaskId) -> &Outcome {
        let mut outcomes = self.settled.iter().filter(|(id, _)| *id == task);
        let (_, outcome) = outcomes.next().unwrap_or_else(|| panic!("{task:?} never settled"));
        assert!(outcomes.next().is_none(), "{task:?} settled twice");
        outcome
    }

    fn assert_each_settled_once(&self, tasks: &[TaskId]) {
        for task in tasks {
            self.outcome_of(*task);
        }
        assert_eq!(self.settled.len(), tasks.len(), "settlements of unknown tasks");
    }

    fn doorbell_rings(&self, worker: WorkerId) -> usize {
        self.doorbells[&worker].rings.load(Ordering::SeqCst)
    }
}

fn config(workers: usize, max_queue: usize, linger: Duration) -> PoolConfig {
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
    }
}

fn new_task(handler: HandlerId, payload: Vec<u8>, timeout: Option<Duration>) -> NewTask {
    NewTask { handler, payload, timeout, priority: 0, retries: 0 }
}

fn returned(byte: u8) -> Outcome {
    Outcome::Returned(vec![byte])
}

#[test]
fn dispatches_to_idle_workers_and_hands_over_the_next_task_on_completion() {
    let mut h = Harness::ready(2);
    // The most recently idle worker is used first.
    let (w1, w2) = (h.spawned[1], h.spawned[0]);
    let tasks: Vec<TaskId> = (0..5).map(|i| h.submit(i)).collect();

    // The first two went straight to the idle workers, whose doorbells rang.
    assert_eq!(h.doorbell_rings(w1), 1);
    assert_eq!(h.doorbell_rings(w2), 1);
    let first = h.pool.take(w1).unwrap();
    assert_eq!((first.id, first.payload.clone()), (tasks[0], vec![0]));
    assert_eq!(h.pool.take(w1), None, "one task at a time");
    let second = h.pool.take(w2).unwrap();
    assert_eq!(h.pool.queue_size(), 3);

    // Complete-and-take: completing returns the queue's head, no doorbell needed.
    let third = h.pool.complete(w1, first.id, returned(10)).unwrap();
    assert_eq!(third.id, tasks[2]);
    let fourth = h.pool.complete(w2, second.id, returned(11)).unwrap();
    let fifth = h.pool.complete(w1, third.id, returned(12)).unwrap();
    assert_eq!(h.drained, 0);
    h.pump();
    assert_eq!(h.drained, 1, "the queue drained once");
    assert_eq!(h.pool.complete(w2, fourth.id, returned(13)), None);
    assert_eq!(h.pool.complete(w1, fifth.id, returned(14)), None);
    assert_eq!(h.doorbell_rings(w1), 1, "a busy worker is never rung");

    h.pump();
    h.assert_each_settled_once(&tasks);
    assert_eq!(h.outcome_of(tasks[4]), &returned(14));
    let stats = h.pool.stats();
    assert_eq!((stats.counters.completed, stats.running, stats.queued), (5, 0, 0));
    assert!(stats.workers.iter().all(|w| w.state == "idle"));
}

#[test]
fn the_host_is_rung_once_per_batch_not_once_per_event() {
    let mut h = Harness::ready(1);
    let w = h.spawned[0];
    let rings_before = h.host.rings.load(Ordering::SeqCst);
    let mut next = {
        for i in 0..50 {
            h.submit(i);
        }
        h.pool.take(w)
    };
    while let Some(task) = next {
        next = h.pool.complete(w, task.id, returned(0));
    }
    assert_eq!(h.host.rings.load(Ordering::SeqCst) - rings_before, 1);
    h.pump();
    assert_eq!(h.settled.len(), 50);
}

#[test]
fn a_workers_exit_is_announced_before_its_tasks_settle_with_what_it_said() {
    let h = Harness::ready(1);
    let w = h.spawned[0];
    let task = h.submit(0);
    h.pool.take(w).unwrap();
    let exit = WorkerExit { code: None, signal: Some(9), cause: vec![1, 2, 3] };
    assert_eq!(h.pool.worker_exited(w, exit.clone()), Some(ExitReason::Crash));
    let events = h.pool.take_events();
    assert_eq!(events[0], Event::WorkerExited { worker: w, reason: ExitReason::Crash, exit });
    assert!(matches!(events[1], Event::Settled { task: t, outcome: Outcome::Crashed { .. } } if t == task));
}

#[test]
fn a_crash_rejects_only_the_crashed_workers_task_and_the_worker_is_replaced() {
    let mut h = Harness::ready(2);
    let (w1, w2) = (h.spawned[0], h.spawned[1]);
    let tasks: Vec<TaskId> = (0..6).map(|i| h.submit(i)).collect();
    let on_w1 = h.pool.take(w1).unwrap();
    let on_w2 = h.pool.take(w2).unwrap();

    assert_eq!(h.pool.worker_exited(w1, WorkerExit::code(3)), Some(ExitReason::Crash));
    h.pump();
    assert_eq!(h.outcome_of(on_w1.id), &Outcome::Crashed { worker: w1, exit_code: 3, attempts: 1 });
    assert_eq!(h.settled.len(), 1, "nothing else was touched");
    let replacement = *h.spawned.last().unwrap();
    assert_eq!(h.spawned.len(), 3);
    assert_eq!(h.pool.size(), 2);

    // The queue keeps flowing through the survivor and the replacement.
    let mut on_replacement = h.ready_worker(replacement);
    let mut on_survivor = h.pool.complete(w2, on_w2.id, returned(1));
    while on_replacement.is_some() || on_survivor.is_some() {
        if let Some(task) = on_replacement.take() {
            on_replacement = h.pool.complete(replacement, task.id, returned(2));
        }
        if let Some(task) = on_survivor.take() {
            on_survivor = h.pool.complete(w2, task.id, returned(3));
        }
    }
    h.pump();
    h.assert_each_settled_once(&tasks);
    let crashed = h.settled.iter().filter(|(_, o)| matches!(o, Outcome::Crashed { .. })).count();
    assert_eq!(crashed, 1);
    assert_eq!(h.pool.stats().counters.crashed, 1);
}

#[test]
fn a_deadline_rejects_the_task_terminates_its_worker_and_drops_the_late_result() {
    let mut h = Harness::ready(2);
    let (w1, w2) = (h.spawned[1], h.spawned[0]);
    let slow = h.submit_with_timeout(1, 200);
    let other = h.submit(2);
    let slow_delivery = h.pool.take(w1).unwrap();
    assert_eq!(slow_delivery.id, slow);
    assert_eq!(h.timers.pending_delays(), vec![Duration::from_millis(200)]);

    assert_eq!(h.timers.fire_all(), 1);
    h.pump();
    assert_eq!(h.outcome_of(slow), &Outcome::TimedOut { timeout: Duration::from_millis(200), attempts: 1 });
    assert_eq!(h.terminated, vec![w1]);
    assert_eq!(h.spawned.len(), 3, "replaced at once");
    assert_eq!(h.pool.size(), 2, "the replacement counts, the terminating worker does not");

    // The worker finishes anyway before it is stopped: its result is dropped
    // and it gets no new task.
    let queued = h.submit(3);
    assert_eq!(h.pool.complete(w1, slow, returned(9)), None);
    assert_eq!(h.pool.worker_exited(w1, WorkerExit::code(1)), Some(ExitReason::Timeout));
    h.pump();
    assert_eq!(h.spawned.len(), 3, "no second replacement");

    let other_delivery = h.pool.take(w2).unwrap();
    assert_eq!(other_delivery.id, other);
    let next = h.pool.complete(w2, other, returned(2)).unwrap();
    assert_eq!(next.id, queued);
    assert_eq!(h.pool.complete(w2, queued, returned(3)), None);
    h.pump();
    h.assert_each_settled_once(&[slow, other, queued]);
    let stats = h.pool.stats();
    assert_eq!((stats.counters.timed_out, stats.running, stats.queued), (1, 0, 0));
    assert!(h.timers.pending_delays().is_empty());
}

#[test]
fn a_deadline_is_cancelled_when_the_task_completes_in_time() {
    let mut h = Harness::ready(1);
    let w = h.spawned[0];
    let task = h.submit_with_timeout(1, 50);
    h.pool.take(w).unwrap();
    h.pool.complete(w, task, returned(1));
    assert!(h.timers.pending_delays().is_empty());
    h.pump();
    assert_eq!(h.outcome_of(task), &returned(1));
}

#[test]
fn queued_time_does_not_count_against_the_deadline() {
    let mut h = Harness::ready(1);
    let w = h.spawned[0];
    let first = h.submit(1);
    let second = h.submit_with_timeout(2, 100);
    assert!(h.timers.pending_delays().is_empty(), "no deadline while queued");
    h.pool.take(w).unwrap();
    h.pool.complete(w, first, returned(1)).unwrap();
    assert_eq!(h.timers.pending_delays(), vec![Duration::from_millis(100)]);
    h.pool.complete(w, second, returned(2));
    h.pump();
    h.assert_each_settled_once(&[first, second]);
}

#[test]
fn dispose_settles_every_task_once_and_terminates_every_worker() {
    let mut h = Harness::ready(2);
    let tasks: Vec<TaskId> = (0..10).map(|i| h.submit_with_timeout(i, 1000)).collect();
    let running = h.pool.take(h.spawned[0]).unwrap();
    h.pool.dispose();
    h.pool.dispose();
    h.pump();
    h.assert_each_settled_once(&tasks);
    assert!(h.settled.iter().all(|(_, o)| *o == Outcome::Disposed));
    assert_eq!(h.terminated, h.spawned);
    assert!(h.timers.pending_delays().is_empty(), "deadlines cancelled");
    assert_eq!(h.pool.submit(new_task(h.handler, vec![], None)), Err(SubmitError::Closed));

    // Late news from workers changes nothing.
    assert_eq!(h.pool.complete(h.spawned[0], running.id, returned(1)), None);
    for worker in h.spawned.clone() {
        assert_eq!(h.pool.worker_exited(worker, WorkerExit::code(1)), Some(ExitReason::Dispose));
    }
    h.pump();
    assert_eq!(h.settled.len(), tasks.len());
    assert_eq!(h.spawned.len(), 2, "no replacement after dispose");
    assert_eq!(h.pool.size(), 0);
}

#[test]
fn completion_deadline_crash_abort_and_dispose_race_in_any_order_and_settle_once() {
    #[derive(Clone, Copy, Debug)]
    enum Step {
        Complete,
        Deadline,
        Crash,
        Abort,
        Dispose,
    }
    let steps = [Step::Complete, Step::Deadline, Step::Crash, Step::Abort, Step::Dispose];
    let mut orders = Vec::new();
    permutations(&steps, &mut Vec::new(), &mut orders);
    assert_eq!(orders.len(), 120);
    for order in orders {
        let mut h = Harness::ready(1);
        let w = h.spawned[0];
        let task = h.submit_with_timeout(7, 10);
        h.pool.take(w).unwrap();
        for step in &order {
            match step {
                Step::Complete => {
                    h.pool.complete(w, task, returned(7));
                }
                Step::Deadline => {
                    h.timers.fire_all();
                }
                Step::Crash => {
                    h.pool.worker_exited(w, WorkerExit::code(1));
                }
                Step::Abort => {
                    h.pool.abort(task);
                }
                Step::Dispose => h.pool.dispose(),
            }
        }
        h.pump();
        let expected = match order[0] {
            Step::Complete => returned(7),
            Step::Deadline => Outcome::TimedOut { timeout: Duration::from_millis(10), attempts: 1 },
            Step::Crash => Outcome::Crashed { worker: w, exit_code: 1, attempts: 1 },
            Step::Abort => Outcome::Aborted,
            Step::Dispose => Outcome::Disposed,
        };
        assert_eq!(h.outcome_of(task), &expected, "order {order:?}");
        h.assert_each_settled_once(&[task]);
        assert_eq!(h.pool.running(), 0);
    }
}

fn permutations<T: Copy>(items: &[T], prefix: &mut Vec<T>, out: &mut Vec<Vec<T>>) {
    if items.is_empty() {
        out.push(prefix.clone());
    }
    for i in 0..items.len() {
        let mut rest = items.to_vec();
        let item = rest.remove(i);
        prefix.push(item);
        permutations(&rest, prefix, out);
        prefix.pop();
    }
}

#[test]
fn a_module_that_cannot_load_fails_the_queue_fails_fast_then_half_opens() {
    let mut h = Harness::new(2, usize::MAX);
    let (w1, w2) = (h.spawned[0], h.spawned[1]);
    let tasks: Vec<TaskId> = (0..3).map(|i| h.submit(i)).collect();
    assert_eq!(h.pool.worker_exited(w1, WorkerExit::code(1)), Some(ExitReason::StartFailure));
    h.pump();
    h.assert_each_settled_once(&tasks);
    assert!(h.settled.iter().all(|(_, o)| *o == Outcome::StartFailed { worker: w1 }));
    assert_eq!(h.pool.worker_exited(w2, WorkerExit::code(1)), Some(ExitReason::StartFailure));
    h.pump();
    assert_eq!(h.spawned.len(), 2, "no respawn: an idle broken pool makes no wake-ups");
    assert!(h.timers.pending_delays().is_empty());

    // The breaker is open: new tasks fail at once instead of waiting.
    assert_eq!(h.pool.submit(new_task(h.handler, vec![9], None)), Err(SubmitError::StartFailing));

    // After the back-off, a task half-opens it: one start, which it waits for.
    std::thread::sleep(Backoff::default().delay(2) + Duration::from_millis(60));
    let late = h.submit(9);
    h.pump();
    assert_eq!(h.spawned.len(), 3);
    let others = h.submit(10);
    h.pump();
    assert_eq!(h.spawned.len(), 3, "one attempt at a time");

    // The module was fixed: the task runs, and the pool returns to its size.
    let delivery = h.ready_worker(h.spawned[2]).unwrap();
    assert_eq!(delivery.id, late);
    h.pump();
    assert_eq!(h.breaker, vec!["open", "closed"]);
    assert_eq!(h.spawned.len(), 4);
    assert_eq!(h.pool.size(), 2);
    assert_eq!(h.pool.complete(h.spawned[2], late, returned(9)).unwrap().id, others);
}

#[test]
fn with_max_queue_zero_a_stalled_pool_still_half_opens() {
    let mut h = Harness::new(1, 0);
    let w1 = h.spawned[0];
    assert_eq!(h.pool.worker_exited(w1, WorkerExit::code(1)), Some(ExitReason::StartFailure));
    std::thread::sleep(Backoff::default().delay(1) + Duration::from_millis(30));
    let task = h.submit(1);
    h.pump();
    assert_eq!(h.spawned.len(), 2, "one start attempt");
    assert_eq!(h.ready_worker(h.spawned[1]).unwrap().id, task);
}

#[test]
fn a_start_that_fails_while_other_workers_run_is_retried_after_a_back_off() {
    let mut h = Harness::new(2, usize::MAX);
    let (w1, w2) = (h.spawned[0], h.spawned[1]);
    h.ready_worker(w1);
    let task = h.submit(1);
    assert_eq!(h.pool.worker_exited(w2, WorkerExit::code(1)), Some(ExitReason::StartFailure));
    h.pump();
    assert_eq!(h.settled.len(), 0, "the ready worker still serves");
    assert_eq!(h.timers.pending_delays().len(), 1, "a backed-off respawn");
    assert_eq!(h.spawned.len(), 2);
    h.timers.fire_all();
    h.pump();
    assert_eq!(h.spawned.len(), 3);
    assert_eq!(h.pool.take(w1).unwrap().id, task);
}

#[test]
fn a_task_that_waits_too_long_in_the_queue_is_rejected_and_one_that_starts_in_time_is_not() {
    let mut h = Harness::with(PoolConfig {
        max_queue_wait: Some(Duration::from_millis(50)),
        ..config(1, usize::MAX, Duration::ZERO)
    });
    let w = h.spawned[0];
    h.ready_worker(w);
    let running = h.submit(1);
    let starts_in_time = h.submit(2);
    let too_late = h.submit(3);
    assert_eq!(h.timers.pending_delays().len(), 2, "a wait deadline per queued task, none for the running one");
    h.pool.take(w).unwrap();
    assert_eq!(h.pool.complete(w, running, returned(1)).unwrap().id, starts_in_time);
    assert_eq!(h.timers.pending_delays().len(), 1, "cancelled when it started");
    h.timers.fire_all();
    h.pump();
    assert_eq!(h.outcome_of(too_late), &Outcome::QueueTimedOut { waited: Duration::from_millis(50) });
    assert_eq!(h.pool.queue_size(), 0);
    assert_eq!(h.pool.complete(w, starts_in_time, returned(2)), None);
    h.pump();
    h.assert_each_settled_once(&[running, starts_in_time, too_late]);
    assert_eq!(h.pool.stats().counters.queue_timed_out, 1);
}

#[test]
fn abort_removes_a_queued_task_and_stops_the_worker_of_a_running_one() {
    let mut h = Harness::ready(2);
    let (w1, w2) = (h.spawned[1], h.spawned[0]);
    let running = h.submit(1);
    let other = h.submit(2);
    let queued = h.submit(3);
    assert_eq!(h.pool.take(w1).unwrap().id, running);
    assert_eq!(h.pool.take(w2).unwrap().id, other);

    assert!(h.pool.abort(queued));
    assert_eq!(h.pool.queue_size(), 0);
    assert!(h.pool.abort(running));
    assert!(!h.pool.abort(running), "already settled");
    h.pump();
    assert_eq!(h.outcome_of(queued), &Outcome::Aborted);
    assert_eq!(h.outcome_of(running), &Outcome::Aborted);
    assert_eq!(h.terminated, vec![w1], "only the aborted task's worker");
    assert_eq!(h.spawned.len(), 3, "replaced at once");
    assert_eq!(h.pool.complete(w1, running, returned(1)), None, "a late result is dropped");
    assert_eq!(h.pool.worker_exited(w1, WorkerExit::code(1)), Some(ExitReason::Abort));
    assert_eq!(h.pool.complete(w2, other, returned(2)), None);
    h.pump();
    h.assert_each_settled_once(&[running, other, queued]);
    assert_eq!(h.outcome_of(other), &returned(2));
    assert_eq!(h.pool.stats().counters.aborted, 2);
}

#[test]
fn retries_rerun_after_crashes_and_timeouts_but_never_after_a_throw() {
    let mut h = Harness::ready(2);
    let submit = |h: &Harness, retries, timeout| {
        h.pool.submit(NewTask { retries, ..new_task(h.handler, vec![7], timeout) }).unwrap()
    };

    // Crashes: three attempts, then the crash is final and counts them.
    let flaky = submit(&h, 2, None);
    for attempt in 1..=3u32 {
        let worker = *h
            .spawned
            .iter()
            .rev()
            .find(|w| h.pool.take(**w).is_some_and(|d| d.id == flaky && d.payload == vec![7]))
            .expect("delivered");
        assert_eq!(h.pool.worker_exited(worker, WorkerExit::code(9)), Some(ExitReason::Crash));
        h.pump();
        if attempt < 3 {
            assert!(h.settled.is_empty(), "attempt {attempt} is retried, not settled");
            let replacement = *h.spawned.last().unwrap();
            h.ready_worker(replacement);
        }
    }
    let crash = h.outcome_of(flaky);
    assert!(matches!(crash, Outcome::Crashed { exit_code: 9, attempts: 3, .. }), "{crash:?}");

    // A throw is the handler's own answer: never retried.
    let replacement = *h.spawned.last().unwrap();
    h.ready_worker(replacement);
    let throws = submit(&h, 5, None);
    let worker = *h.spawned.iter().find(|w| h.pool.take(**w).is_some_and(|d| d.id == throws)).expect("delivered");
    h.pool.complete(worker, throws, Outcome::Threw(vec![1]));
    h.pump();
    assert_eq!(h.outcome_of(throws), &Outcome::Threw(vec![1]));

    // A timeout is retried, and the second attempt succeeds.
    let slow = submit(&h, 1, Some(Duration::from_millis(100)));
    let first = *h.spawned.iter().find(|w| h.pool.take(**w).is_some_and(|d| d.id == slow)).expect("delivered");
    h.timers.fire_all();
    h.pump();
    assert_eq!(h.terminated.last(), Some(&first));
    let second = *h
        .spawned
        .iter()
        .filter(|w| **w != first)
        .find(|w| h.pool.take(**w).is_some_and(|d| d.id == slow))
        .expect("re-run");
    h.pool.complete(second, slow, returned(3));
    h.pump();
    assert_eq!(h.outcome_of(slow), &returned(3));
    assert_eq!(h.pool.stats().counters.retried, 3);
}

#[test]
fn a_worker_retires_after_max_tasks_and_leaves_only_once_its_replacement_is_ready() {
    let mut h = Harness::with(PoolConfig { max_tasks_per_worker: Some(2), ..config(1, usize::MAX, Duration::ZERO) });
    let old = h.spawned[0];
    h.ready_worker(old);
    let tasks: Vec<TaskId> = (0..4).map(|i| h.submit(i)).collect();
    h.pool.take(old).unwrap();
    assert_eq!(h.pool.complete(old, tasks[0], returned(0)).unwrap().id, tasks[1]);
    assert_eq!(h.pool.complete(old, tasks[1], returned(1)), None, "it takes no task once retiring");
    h.pump();
    assert_eq!(h.retiring, vec![(old, RetireReason::MaxTasks)]);
    assert_eq!(h.spawned.len(), 2, "its replacement is starting");
    assert!(h.terminated.is_empty(), "it stays until the replacement is ready");
    assert_eq!(h.pool.stats().workers.iter().find(|w| w.id == old).unwrap().state, "retiring");

    let new = h.spawned[1];
    assert_eq!(h.ready_worker(new).unwrap().id, tasks[2]);
    h.pump();
    assert_eq!(h.terminated, vec![old]);
    assert_eq!(h.pool.worker_exited(old, WorkerExit::code(1)), Some(ExitReason::Retire));
    assert_eq!(h.pool.complete(new, tasks[2], returned(2)).unwrap().id, tasks[3]);
    h.pool.complete(new, tasks[3], returned(3));
    h.pump();
    h.assert_each_settled_once(&tasks);
    // Two tasks later, the replacement retires in turn.
    assert_eq!(h.retiring, vec![(old, RetireReason::MaxTasks), (new, RetireReason::MaxTasks)]);
    assert_eq!(h.spawned.len(), 3);
    assert_eq!(h.pool.stats().counters.retired, 2);
}

#[test]
fn recycle_retires_every_worker_and_a_busy_one_finishes_its_task_first() {
    let mut h = Harness::ready(2);
    let (busy, idle) = (h.spawned[1], h.spawned[0]);
    let task = h.submit(1);
    assert_eq!(h.pool.take(busy).unwrap().id, task);
    let mut recycled = h.pool.recycle();
    recycled.sort();
    assert_eq!(recycled, vec![h.spawned[0], h.spawned[1]]);
    h.pump();
    assert_eq!(h.spawned.len(), 4, "two replacements");
    let (r1, r2) = (h.spawned[2], h.spawned[3]);
    assert!(h.terminated.is_empty(), "each waits for its replacement");
    h.ready_worker(r1);
    h.ready_worker(r2);
    h.pump();
    assert_eq!(h.terminated, vec![idle], "the idle one leaves, the busy one finishes first");
    assert_eq!(h.pool.complete(busy, task, returned(1)), None);
    h.pump();
    assert_eq!(h.terminated, vec![idle, busy]);
    assert_eq!(h.outcome_of(task), &returned(1));
}

#[test]
fn stats_summarize_wait_and_run_times_and_count_restarts() {
    let mut h = Harness::ready(1);
    let w = h.spawned[0];
    let a = h.submit(1);
    let b = h.submit(2);
    h.pool.take(w).unwrap();
    std::thread::sleep(Duration::from_millis(20));
    assert_eq!(h.pool.complete(w, a, returned(1)).unwrap().id, b);
    h.pool.worker_exited(w, WorkerExit::code(1)); // b crashes
    h.pump();
    let stats = h.pool.stats();
    assert_eq!((stats.wait_time.count, stats.run_time.count), (2, 2));
    assert!(stats.run_time.max >= 20.0, "{:?}", stats.run_time);
    assert!(stats.wait_time.max >= 20.0, "b waited for a: {:?}", stats.wait_time);
    assert!(stats.utilization > 0.0 && stats.utilization <= 1.0);
    assert_eq!(stats.workers.len(), 1);
    assert_eq!(stats.workers[0].restarts, 1, "the replacement inherits the count");
}

#[test]
fn a_dynamic_pool_grows_while_tasks_wait_and_shrinks_when_idle() {
    let mut h = Harness::with(PoolConfig {
        min_workers: 1,
        max_workers: 3,
        idle_timeout: Some(Duration::from_millis(50)),
        ..config(1, usize::MAX, Duration::ZERO)
    });
    assert_eq!(h.spawned.len(), 1, "starts with min_workers");
    let first = h.spawned[0];
    h.ready_worker(first);
    assert!(h.timers.pending_delays().is_empty(), "at min_workers: no idle timer");
    let tasks: Vec<TaskId> = (0..5).map(|i| h.submit(i)).collect();
    h.pump();
    assert_eq!(h.spawned.len(), 3, "grew to max_workers for the waiting tasks");
    let (second, third) = (h.spawned[1], h.spawned[2]);
    let mut running =
        vec![(first, h.pool.take(first)), (second, h.ready_worker(second)), (third, h.ready_worker(third))];
    // Each worker completes and takes the next until the queue is empty.
    while running.iter().any(|(_, task)| task.is_some()) {
        for (worker, task) in &mut running {
            if let Some(delivery) = task.take() {
                *task = h.pool.complete(*worker, delivery.id, returned(0));
            }
        }
    }
    h.pump();
    h.assert_each_settled_once(&tasks);
    assert!(!h.timers.pending_delays().is_empty(), "idle timers above min_workers");
    h.timers.fire_all();
    h.pump();
    assert_eq!(h.terminated.len(), 2, "shrank to min_workers: {:?}", h.terminated);
    for worker in h.terminated.clone() {
        assert_eq!(h.pool.worker_exited(worker, WorkerExit::code(1)), Some(ExitReason::Idle));
    }
    assert_eq!(h.pool.size(), 1);
    h.pump();
    assert_eq!(h.spawned.len(), 3, "no replacement for an idle worker");
}

#[test]
fn with_min_workers_zero_an_idle_pool_has_no_worker_and_a_task_starts_one() {
    let mut h = Harness::with(PoolConfig {
        min_workers: 0,
        max_workers: 2,
        idle_timeout: Some(Duration::from_millis(10)),
        ..config(1, usize::MAX, Duration::ZERO)
    });
    assert!(h.spawned.is_empty());
    let task = h.submit(1);
    h.pump();
    assert_eq!(h.spawned.len(), 1);
    let worker = h.spawned[0];
    assert_eq!(h.ready_worker(worker).unwrap().id, task);
    assert_eq!(h.pool.complete(worker, task, returned(1)), None);
    h.timers.fire_all();
    h.pump();
    assert_eq!(h.terminated, vec![worker]);
    // A task submitted while the last worker is leaving is not stranded.
    let late = h.submit(2);
    h.pump();
    assert_eq!(h.spawned.len(), 2);
    assert_eq!(h.pool.worker_exited(worker, WorkerExit::code(1)), Some(ExitReason::Idle));
    assert_eq!(h.ready_worker(h.spawned[1]).unwrap().id, late);
    assert_eq!(h.pool.complete(h.spawned[1], late, returned(2)), None);
    assert_eq!(h.timers.pending_delays().len(), 1, "its idle timer");
    h.pool.dispose();
    assert!(h.timers.pending_delays().is_empty(), "no timer outlives the pool");
}

#[test]
fn a_worker_runs_several_tasks_at_once_and_its_crash_rejects_exactly_those() {
    let mut h = Harness::with(PoolConfig { concurrency: 3, ..config(2, usize::MAX, Duration::ZERO) });
    let (w1, w2) = (h.spawned[0], h.spawned[1]);
    h.ready_worker(w1);
    h.ready_worker(w2);
    let tasks: Vec<TaskId> = (0..8).map(|i| h.submit(i)).collect();
    assert_eq!(h.pool.queue_size(), 2, "3 + 3 running, 2 waiting");
    let on_w1: Vec<TaskId> = std::iter::from_fn(|| h.pool.take(w1)).map(|d| d.id).collect();
    let on_w2: Vec<TaskId> = std::iter::from_fn(|| h.pool.take(w2)).map(|d| d.id).collect();
    assert_eq!((on_w1.len(), on_w2.len()), (3, 3));

    // A shared worker is not terminated for an abort: it is told.
    assert!(h.pool.abort(on_w2[0]));
    assert_eq!(h.pool.take_aborted(w2), vec![on_w2[0]]);
    assert!(h.terminated.is_empty());
    assert_eq!(h.pool.take(w2).map(|d| d.id), Some(tasks[6]), "its freed slot takes a waiting task");

    assert_eq!(h.pool.worker_exited(w1, WorkerExit::code(5)), Some(ExitReason::Crash));
    h.pump();
    let crashed: Vec<TaskId> =
        h.settled.iter().filter(|(_, o)| matches!(o, Outcome::Crashed { .. })).map(|(id, _)| *id).collect();
    assert_eq!(crashed, on_w1, "exactly the crashed worker's three tasks");
    assert_eq!(h.pool.stats().counters.crashed, 3);
}

#[test]
fn a_task_assigned_just_before_its_worker_retires_is_still_delivered() {
    let mut h = Harness::ready(1);
    let w = h.spawned[0];
    let task = h.submit(1); // assigned, doorbell rung, not yet taken
    h.pool.recycle();
    assert_eq!(h.pool.take(w).map(|d| d.id), Some(task));
    assert_eq!(h.pool.complete(w, task, returned(1)), None);
    h.pump();
    h.ready_worker(h.spawned[1]);
    h.pump();
    assert_eq!(h.outcome_of(task), &returned(1));
    assert_eq!(h.terminated, vec![w]);
}

#[test]
fn a_retiring_worker_is_still_stopped_by_a_deadline_or_an_abort() {
    let mut h = Harness::ready(1);
    let w = h.spawned[0];
    let task = h.submit_with_timeout(1, 100);
    h.pool.take(w).unwrap();
    h.pool.recycle();
    h.timers.fire_all();
    h.pump();
    assert!(matches!(h.outcome_of(task), Outcome::TimedOut { .. }));
    assert_eq!(h.terminated, vec![w], "terminated even while retiring");
    assert_eq!(h.spawned.len(), 2, "one replacement only");
    assert_eq!(h.pool.worker_exited(w, WorkerExit::code(1)), Some(ExitReason::Timeout));
}

#[test]
fn a_retiring_worker_whose_replacement_fails_to_start_leaves() {
    let mut h = Harness::ready(1);
    let old = h.spawned[0];
    h.pool.recycle();
    h.pump();
    let replacement = h.spawned[1];
    assert!(h.terminated.is_empty());
    assert_eq!(h.pool.worker_exited(replacement, WorkerExit::code(1)), Some(ExitReason::StartFailure));
    h.pump();
    assert_eq!(h.terminated, vec![old]);
}

#[test]
fn aborting_a_task_its_worker_has_not_picked_up_stops_nothing() {
    let mut h = Harness::ready(1);
    let w = h.spawned[0];
    let task = h.submit(1); // assigned and rung, not yet taken
    let next = h.submit(2);
    assert!(h.pool.abort(task));
    h.pump();
    assert_eq!(h.outcome_of(task), &Outcome::Aborted);
    assert!(h.terminated.is_empty(), "the worker never saw it");
    assert_eq!(h.pool.take(w).map(|d| d.id), Some(next));
}

#[test]
fn queued_tasks_start_by_priority() {
    let mut h = Harness::new(1, usize::MAX);
    let w = h.spawned[0];
    h.ready_worker(w);
    let submit =
        |h: &Harness, priority| h.pool.submit(NewTask { priority, ..new_task(h.handler, vec![], None) }).unwrap();
    let first = submit(&h, 0); // runs at once
    let low = submit(&h, -5);
    let high = submit(&h, 10);
    let normal = submit(&h, 0);
    let mut order = vec![h.pool.take(w).unwrap().id];
    let mut next = h.pool.complete(w, first, returned(0));
    while let Some(task) = next {
        order.push(task.id);
        next = h.pool.complete(w, task.id, returned(0));
    }
    assert_eq!(order, vec![first, high, normal, low]);
    h.pump();
}

#[test]
fn max_queue_limits_waiting_tasks_not_running_ones() {
    let mut h = Harness::new(1, 1);
    h.ready_worker(h.spawned[0]);
    h.submit(1); // runs at once
    h.submit(2); // waits
    assert_eq!(h.pool.submit(new_task(h.handler, vec![3], None)), Err(SubmitError::QueueFull));
    assert_eq!(h.pool.queue_size(), 1);
}

#[test]
fn close_finishes_accepted_tasks_then_reports_closed() {
    let mut h = Harness::ready(1);
    let w = h.spawned[0];
    let a = h.submit(1);
    let b = h.submit(2);
    h.pool.close();
    assert_eq!(h.pool.submit(new_task(h.handler, vec![], None)), Err(SubmitError::Closed));
    h.pool.take(w).unwrap();
    h.pool.complete(w, a, returned(1)).unwrap();
    h.pump();
    assert_eq!(h.closed, 0);
    assert_eq!(h.pool.complete(w, b, returned(2)), None);
    h.pump();
    assert_eq!(h.closed, 1);
    h.assert_each_settled_once(&[a, b]);
}

#[test]
fn close_with_nothing_to_do_reports_closed_at_once() {
    let mut h = Harness::ready(1);
    h.pool.close();
    h.pool.close();
    h.pump();
    assert_eq!(h.closed, 1);
}

/// Real threads and the real timer thread: workers complete, deadlines fire,
/// workers crash and the pool is disposed concurrently; every task must settle
/// exactly once.
#[test]
fn concurrent_completions_deadlines_and_crashes_settle_each_task_once() {
    let host = Arc::new(FakeHost::default());
    let config = config(4, usize::MAX, Duration::from_micros(300));
    let pool = Pool::new(config, host, TimerThread::global());
    let handler = pool.register_handler(HandlerSpec { filename: None, name: None });
    pool.start();
    let settled = Arc::new(Mutex::new(HashMap::<TaskId, usize>::new()));
    let submitted = Arc::new(Mutex::new(Vec::new()));

    // The "main thread": spawns workers when asked, records settlements.
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let main = {
        let (pool, settled, stop) = (pool.clone(), settled.clone(), stop.clone());
        std::thread::spawn(move || {
            let mut workers = Vec::new();
            let mut finished = false;
            while !finished {
                finished = stop.load(Ordering::SeqCst);
                for event in pool.take_events() {
                    match event {
                        Event::Settled { task, .. } => *settled.lock().entry(task).or_default() += 1,
                        Event::SpawnWorker(worker) => {
                            let pool = pool.clone();
                            workers.push(std::thread::spawn(move || run_fake_worker(pool, worker)));
                        }
                        Event::TerminateWorker(worker) => {
                            pool.worker_exited(worker, WorkerExit::code(1));
                        }
                        _ => {}
                    }
                }
                std::thread::sleep(Duration::from_micros(200));
            }
            workers
        })
    };
    for i in 0..2000u32 {
        let timeout = (i % 3 == 0).then(|| Duration::from_micros(50 + (i as u64 % 7) * 100));
        let id = pool.submit(new_task(handler, (i % 251).to_le_bytes().to_vec(), timeout)).unwrap();
        submitted.lock().push(id);
        if i % 100 == 0 {
            std::thread::sleep(Duration::from_millis(1));
        }
    }
    std::thread::sleep(Duration::from_millis(100));
    pool.dispose();
    std::thread::sleep(Duration::from_millis(20));
    stop.store(true, Ordering::SeqCst);
    let workers = main.join().unwrap();
    for worker in workers {
        worker.join().unwrap();
    }
    for event in pool.take_events() {
        if let Event::Settled { task, .. } = event {
            *settled.lock().entry(task).or_default() += 1;
        }
    }
    let settled = settled.lock();
    for id in submitted.lock().iter() {
        assert_eq!(settled.get(id), Some(&1), "{id:?}");
    }
    assert_eq!(settled.len(), 2000);
}

/// A fake worker: completes tasks after a short spin; payload byte 13 makes it crash.
fn run_fake_worker(pool: Arc<Pool>, worker: WorkerId) {
    struct Bell;
    impl Doorbell for Bell {
        fn ring(&self) {}
    }
    let mut next = pool.worker_ready(worker, Arc::new(Bell));
    let mut idle_rounds = 0;
    while idle_rounds < 2000 {
        let Some(task) = next.take().or_else(|| pool.take(worker)) else {
            idle_rounds += 1;
            std::thread::sleep(Duration::from_micros(100));
            continue;
        };
        idle_rounds = 0;
        std::thread::sleep(Duration::from_micros(100 + task.payload[0] as u64 * 3));
        if task.payload[0] == 13 {
            pool.worker_exited(worker, WorkerExit::code(7));
            return;
        }
        next = pool.complete(worker, task.id, Outcome::Returned(task.payload));
    }
}

#[test]
fn a_lingering_worker_gets_the_next_task_from_complete_without_its_doorbell() {
    let host = Arc::new(FakeHost::default());
    let config = config(1, usize::MAX, Duration::from_secs(5));
    let pool = Pool::new(config, host, Arc::new(ManualTimers::default()));
    let handler = pool.register_handler(HandlerSpec { filename: None, name: None });
    pool.start();
    let worker = WorkerId(1);
    let doorbell = Arc::new(FakeDoorbell::default());
    assert_eq!(pool.worker_ready(worker, doorbell.clone()), None);
    let first = pool.submit(new_task(handler, vec![1], None)).unwrap();
    assert_eq!(pool.take(worker).unwrap().id, first);

    let submitter = {
        let pool = pool.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(50));
            pool.submit(new_task(handler, vec![2], None)).unwrap()
        })
    };
    let started = std::time::Instant::now();
    let next = pool.complete(worker, first, returned(1)).expect("woken with the next task");
    assert_eq!(next.id, submitter.join().unwrap());
    assert!(started.elapsed() < Duration::from_secs(4), "woken, not timed out");
    assert_eq!(doorbell.rings.load(Ordering::SeqCst), 1, "only the first task rang the doorbell");

    // Dispose releases a lingering worker at once.
    let disposer = {
        let pool = pool.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(50));
            pool.dispose();
        })
    };
    let started = std::time::Instant::now();
    assert_eq!(pool.complete(worker, next.id, returned(2)), None);
    assert!(started.elapsed() < Duration::from_secs(4));
    disposer.join().unwrap();
}
