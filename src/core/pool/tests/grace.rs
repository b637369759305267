//! A shared worker's grace after an abort or a timeout of one of its tasks:
//! it keeps its other tasks if its loop turns, takes nothing new until then,
//! and is terminated (its other tasks crashing) when the grace runs out.

use std::time::Duration;

use super::harness::{config, new_task, Harness};
use crate::core::{ExitReason, NewTask, Outcome, PoolConfig, TaskId, WorkerExit, WorkerId};

/// Two ready workers running two tasks at once, with `abort_grace`; w1 runs
/// two tasks (picked up), w2 is idle.
fn shared(abort_grace: Option<Duration>) -> (Harness, WorkerId, WorkerId, [TaskId; 2]) {
    let mut h = Harness::with(PoolConfig { concurrency: 2, abort_grace, ..config(2, usize::MAX, Duration::ZERO) });
    let (w1, w2) = (h.spawned[0], h.spawned[1]);
    h.ready_worker(w1);
    let tasks = [h.submit_with_timeout(1, 500), h.submit(2)];
    let picked: Vec<TaskId> = std::iter::from_fn(|| h.pool.take(w1)).map(|d| d.id).collect();
    assert_eq!(picked, tasks, "both on w1, the only ready worker");
    h.ready_worker(w2);
    (h, w1, w2, tasks)
}

fn grace_timers(h: &Harness) -> usize {
    h.timers.pending_delays().iter().filter(|delay| **delay == Duration::from_millis(700)).count()
}

#[test]
fn an_aborted_task_spares_its_workers_other_tasks_when_its_loop_turns() {
    let (mut h, w1, w2, [aborted, neighbour]) = shared(Some(Duration::from_millis(700)));
    assert!(h.pool.abort(aborted));
    h.pump();
    assert_eq!(h.outcome_of(aborted), &Outcome::Aborted);
    assert!(h.terminated.is_empty());
    assert_eq!(grace_timers(&h), 1);

    // In its grace, w1 takes no new task: w2 does.
    let next = h.submit(3);
    assert!(h.pool.take(w1).is_none());
    assert_eq!(h.pool.take(w2).map(|d| d.id), Some(next));
    // Its loop turns: the grace ends, its timer with it.
    assert_eq!(h.pool.take_aborted_from_loop(w1), vec![aborted]);
    assert_eq!(grace_timers(&h), 0);
    assert_eq!(h.pool.complete(w1, neighbour, Outcome::Returned(vec![2])), None);
    h.pump();
    assert_eq!(h.outcome_of(neighbour), &Outcome::Returned(vec![2]));
    assert!(h.terminated.is_empty());
}

#[test]
fn a_worker_whose_loop_does_not_turn_is_terminated_when_the_grace_runs_out() {
    let (mut h, w1, _, [aborted, neighbour]) = shared(Some(Duration::from_millis(700)));
    assert!(h.pool.abort(aborted));
    assert_eq!(h.pool.take_aborted(w1), vec![aborted], "the supervisor passes it on: no proof of a loop");
    h.timers.fire_all();
    h.pump();
    assert_eq!(h.terminated, vec![w1]);
    assert_eq!(h.pool.worker_exited(w1, WorkerExit::code(1)), Some(ExitReason::Abort));
    h.pump();
    assert!(matches!(h.outcome_of(neighbour), Outcome::Crashed { worker, .. } if *worker == w1));
    assert_eq!(h.spawned.len(), 3, "replaced");
}

#[test]
fn a_process_workers_acknowledgement_ends_its_grace() {
    let (mut h, w1, _, [aborted, _]) = shared(Some(Duration::from_millis(700)));
    assert!(h.pool.abort(aborted));
    h.pool.take_aborted(w1);
    h.pool.aborts_seen(w1);
    assert_eq!(grace_timers(&h), 0);
    h.timers.fire_all();
    h.pump();
    assert!(h.terminated.is_empty());
}

#[test]
fn a_timed_out_task_spares_its_workers_other_tasks_and_its_retry_goes_elsewhere() {
    let mut h = Harness::with(PoolConfig {
        concurrency: 2,
        abort_grace: Some(Duration::from_millis(700)),
        ..config(2, usize::MAX, Duration::ZERO)
    });
    let (w1, w2) = (h.spawned[0], h.spawned[1]);
    h.ready_worker(w1);
    let slow = h
        .pool
        .submit(NewTask { retries: 1, ..new_task(h.handler, vec![1], Some(Duration::from_millis(500))) })
        .unwrap();
    let neighbour = h.submit(2);
    assert_eq!(std::iter::from_fn(|| h.pool.take(w1)).count(), 2);
    h.ready_worker(w2);
    // Only the deadline fires (the grace is armed by it).
    let deadline_fired = h.timers.fire_all();
    assert_eq!(deadline_fired, 1);
    h.pump();
    assert!(h.terminated.is_empty(), "w1 is spared for its grace");
    assert_eq!(h.pool.take(w1).map(|d| d.id), None, "the retry does not land on w1");
    assert_eq!(h.pool.take(w2).map(|d| d.id), Some(slow), "it runs again on w2");
    assert_eq!(h.pool.take_aborted_from_loop(w1), vec![slow], "w1's handler is told");
    assert_eq!(h.pool.complete(w1, neighbour, Outcome::Returned(vec![2])), None);
    h.pump();
    assert_eq!(h.outcome_of(neighbour), &Outcome::Returned(vec![2]));
}

#[test]
fn a_zero_grace_terminates_at_once_and_no_grace_never_does() {
    let (mut h, w1, _, [aborted, _]) = shared(Some(Duration::ZERO));
    assert!(h.pool.abort(aborted));
    h.pump();
    assert_eq!(h.terminated, vec![w1], "as a worker of one task is");

    let (mut h, w1, w2, [aborted, neighbour]) = shared(None);
    assert!(h.pool.abort(aborted));
    assert_eq!(h.timers.fire_all(), 0, "no deadline for the grace");
    h.pump();
    assert!(h.terminated.is_empty());
    let waiting = h.submit(3);
    assert_eq!(h.pool.take(w2).map(|d| d.id), Some(waiting), "w1 takes nothing until its loop turns");
    assert_eq!(h.pool.take_aborted_from_loop(w1), vec![aborted]);
    assert_eq!(h.pool.complete(w1, neighbour, Outcome::Returned(vec![2])), None);
}

#[test]
fn dispose_cancels_a_grace() {
    let (h, _, _, [aborted, _]) = shared(Some(Duration::from_millis(700)));
    assert!(h.pool.abort(aborted));
    assert_eq!(grace_timers(&h), 1);
    h.pool.dispose();
    assert_eq!(grace_timers(&h), 0, "no timer left to wake the timer thread for nothing");
}
