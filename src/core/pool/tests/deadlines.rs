//! Deadlines and aborts: a task's deadline counts from its start and stops its
//! worker, a queued task's wait deadline, and aborting queued, assigned and
//! running tasks.

use std::time::Duration;

use crate::core::{ExitReason, Outcome, PoolConfig, WorkerExit};

use super::harness::{config, returned, Harness};

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
