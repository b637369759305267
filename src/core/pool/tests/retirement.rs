//! Retirement: after `max_tasks_per_worker` and on `recycle`, a worker leaves
//! once its replacement is ready and its tasks are done; a retiring worker is
//! still delivered its task, stopped by a deadline, and leaves if its
//! replacement fails to start.

use std::time::Duration;

use crate::core::{ExitReason, Outcome, PoolConfig, RetireReason, TaskId, WorkerExit};

use super::harness::{config, returned, Harness};

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
