//! Workers that fail to start: the breaker fails the queue and new tasks fast,
//! then half-opens after the back-off; a start that fails while others run is
//! retried after a back-off.

use std::time::Duration;

use crate::core::{Backoff, ExitReason, Outcome, SubmitError, TaskId, WorkerExit};

use super::harness::{new_task, returned, Harness};

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
