//! Dispatching: idle workers get tasks, a completing worker takes the next
//! one, the host is rung once per batch, a lingering worker gets its next task
//! without its doorbell, several tasks per worker, priorities and `max_queue`.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use crate::core::{
    ExitReason, HandlerSpec, NewTask, Outcome, Pool, PoolConfig, SubmitError, TaskId, WorkerExit, WorkerId,
};

use super::harness::{config, new_task, returned, FakeDoorbell, FakeHost, Harness, ManualTimers};

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

    // A shared worker is not terminated for an abort: it is told (from its
    // loop, which ends its grace: see grace.rs).
    assert!(h.pool.abort(on_w2[0]));
    assert_eq!(h.pool.take_aborted_from_loop(w2), vec![on_w2[0]]);
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
fn an_announced_task_is_announced_with_its_worker_each_time_one_takes_it() {
    let mut h = Harness::ready(1);
    let w = h.spawned[0];
    let busy = h.submit(0);
    let announced =
        h.pool.submit(NewTask { announce: true, retries: 1, ..new_task(h.handler, vec![1], None) }).expect("accepted");
    h.pump();
    assert!(h.assigned.is_empty(), "queued: nobody has it yet");
    h.pool.take(w).unwrap();
    let delivery = h.pool.complete(w, busy, returned(0)).expect("the announced task, next");
    assert_eq!(delivery.id, announced);
    h.pump();
    assert_eq!(h.assigned, vec![(announced, w, 1)]);
    // Its worker dies: the retry is announced again, with the new worker.
    h.pool.worker_exited(w, WorkerExit::code(1));
    h.pump();
    let replacement = *h.spawned.last().unwrap();
    assert_eq!(h.ready_worker(replacement).map(|d| d.id), Some(announced));
    h.pump();
    assert_eq!(h.assigned, vec![(announced, w, 1), (announced, replacement, 2)]);
    // An idle worker given an announced task is not rung: the host's message is its wake-up.
    let rings = h.doorbell_rings(replacement);
    h.pool.complete(replacement, announced, returned(1));
    let direct = h.pool.submit(NewTask { announce: true, ..new_task(h.handler, vec![1], None) }).unwrap();
    h.pump();
    assert_eq!(h.assigned.last(), Some(&(direct, replacement, 1)));
    assert_eq!(h.doorbell_rings(replacement), rings);
    assert_eq!(h.pool.take(replacement).map(|d| d.id), Some(direct));
    // An ordinary task is never announced.
    h.pool.complete(replacement, direct, returned(1));
    h.submit(2);
    h.pump();
    assert_eq!(h.assigned.len(), 3);
}
