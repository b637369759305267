//! Worker crashes: the exit is announced before the settlements it causes, a
//! crash rejects only its worker's tasks, and retries re-run a task after a
//! crash or a timeout but not after a throw.

use std::time::Duration;

use crate::core::{Event, ExitReason, NewTask, Outcome, TaskId, WorkerExit};

use super::harness::{new_task, returned, Harness};

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
