//! Races: every order of completion, deadline, crash, abort and dispose on
//! one task, and real threads doing all of them at once; each task must
//! settle exactly once.

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;

use crate::core::{Doorbell, Event, HandlerSpec, Outcome, Pool, TaskId, TimerThread, WorkerExit, WorkerId};

use super::harness::{config, new_task, returned, FakeHost, Harness};

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
                        Event::TerminateWorker(worker, _) => {
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
