//! An announced task (its payload travels beside the core) that would wait
//! for a starting worker is reserved by that worker at once, so that the host
//! sends its payload while its caller is still there to send it.

use std::time::Duration;

use super::harness::{config, new_task, Harness};
use crate::core::{ExitReason, NewTask, Outcome, PoolConfig, TaskId, WorkerExit, WorkerId};

fn announced(h: &Harness, timeout_ms: Option<u64>) -> TaskId {
    let timeout = timeout_ms.map(Duration::from_millis);
    h.pool.submit(NewTask { announce: true, ..new_task(h.handler, vec![1], timeout) }).expect("accepted")
}

#[test]
fn an_announced_task_is_reserved_by_a_starting_worker_and_its_deadline_waits_for_it() {
    let mut h = Harness::new(1, usize::MAX);
    let w = h.spawned[0];
    let task = announced(&h, Some(500));
    h.pump();
    assert_eq!(h.assigned, vec![(task, w, 1)], "its payload can go to w now");
    assert_eq!(h.pool.queue_size(), 0);
    assert!(h.timers.pending_delays().is_empty(), "no deadline while w starts");

    assert_eq!(h.ready_worker(w).map(|d| d.id), Some(task), "w's first task");
    assert_eq!(h.timers.pending_delays(), vec![Duration::from_millis(500)], "the deadline counts from now");
}

#[test]
fn a_plain_task_still_waits_in_the_queue() {
    let mut h = Harness::new(1, usize::MAX);
    h.submit(1);
    h.pump();
    assert!(h.assigned.is_empty());
    assert_eq!(h.pool.queue_size(), 1);
}

#[test]
fn a_dynamic_pool_reserves_the_task_for_the_worker_it_starts_for_it() {
    let mut h = Harness::with(PoolConfig { min_workers: 0, ..config(1, usize::MAX, Duration::ZERO) });
    assert!(h.spawned.is_empty());
    let task = announced(&h, None);
    h.pump();
    assert_eq!(h.spawned.len(), 1);
    assert_eq!(h.assigned, vec![(task, h.spawned[0], 1)]);
}

#[test]
fn a_reserved_task_whose_worker_fails_to_start_fails_as_a_start_failure() {
    let mut h = Harness::new(1, usize::MAX);
    let w = h.spawned[0];
    let task = announced(&h, None);
    assert_eq!(h.pool.worker_exited(w, WorkerExit::code(1)), Some(ExitReason::StartFailure));
    h.pump();
    assert_eq!(h.outcome_of(task), &Outcome::StartFailed { worker: w });
    assert_eq!(h.pool.running(), 0);
}

#[test]
fn a_starting_worker_reserves_no_more_than_it_may_run() {
    let mut h = Harness::new(1, usize::MAX);
    let w = h.spawned[0];
    let first = announced(&h, None);
    let second = announced(&h, None);
    h.pump();
    assert_eq!(h.assigned, vec![(first, w, 1)]);
    assert_eq!(h.pool.queue_size(), 1, "the second waits for room");
    assert_eq!(h.ready_worker(w).map(|d| d.id), Some(first));
    assert_eq!(h.pool.complete(w, first, Outcome::Returned(vec![])).map(|d| d.id), Some(second));
}

#[test]
fn tasks_queued_behind_a_starting_worker_that_holds_one_get_a_worker_of_their_own() {
    let mut h = Harness::with(PoolConfig { min_workers: 1, ..config(2, usize::MAX, Duration::ZERO) });
    let first = announced(&h, None);
    let second = announced(&h, None);
    h.pump();
    assert_eq!(h.spawned.len(), 2, "the first worker is starting, but it holds the first task");
    assert_eq!(h.assigned, vec![(first, h.spawned[0], 1), (second, h.spawned[1], 1)]);
    assert_eq!(h.pool.queue_size(), 0);
}

/// One worker still starting, `maxQueueWait` 50 ms, and an announced task of
/// 500 ms reserved by the worker.
fn reserved_with_max_queue_wait() -> (Harness, WorkerId, TaskId) {
    let mut h = Harness::with(PoolConfig {
        max_queue_wait: Some(Duration::from_millis(50)),
        ..config(1, usize::MAX, Duration::ZERO)
    });
    let w = h.spawned[0];
    let task = announced(&h, Some(500));
    h.pump();
    (h, w, task)
}

#[test]
fn a_reserved_task_still_waits_no_longer_than_max_queue_wait() {
    let (mut h, w, task) = reserved_with_max_queue_wait();
    assert_eq!(h.assigned, vec![(task, w, 1)], "reserved by the starting worker");
    assert_eq!(h.timers.pending_delays(), vec![Duration::from_millis(50)], "its wait deadline stands");
    h.timers.fire_all();
    h.pump();
    assert_eq!(h.outcome_of(task), &Outcome::QueueTimedOut { waited: Duration::from_millis(50) });
    assert_eq!(h.pool.running(), 0);
    assert_eq!(h.pool.stats().counters.queue_timed_out, 1);
    assert_eq!(h.ready_worker(w).map(|d| d.id), None, "the worker, once ready, never gets it");
    h.assert_each_settled_once(&[task]);
}

#[test]
fn a_reserved_task_whose_worker_starts_in_time_runs_under_its_own_deadline_only() {
    let (mut h, w, task) = reserved_with_max_queue_wait();
    assert_eq!(h.ready_worker(w).map(|d| d.id), Some(task));
    assert_eq!(h.timers.pending_delays(), vec![Duration::from_millis(500)], "the wait deadline is gone");
    assert_eq!(h.pool.complete(w, task, Outcome::Returned(vec![])), None);
    h.pump();
    assert_eq!(h.outcome_of(task), &Outcome::Returned(vec![]));
    assert_eq!(h.pool.stats().counters.queue_timed_out, 0);
}
