//! A pool between `min_workers` and `max_workers`: it grows while tasks wait,
//! shrinks when idle, and with `min_workers` 0 starts a worker for a task.

use std::time::Duration;

use crate::core::{ExitReason, PoolConfig, TaskId, WorkerExit};

use super::harness::{config, returned, Harness};

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
