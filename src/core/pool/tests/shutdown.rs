//! Ending a pool: `close` finishes the accepted tasks then reports closed;
//! `dispose` settles every task at once and terminates every worker.

use crate::core::{ExitReason, Outcome, SubmitError, TaskId, WorkerExit};

use super::harness::{new_task, returned, Harness};

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

#[test]
fn drop_queued_settles_waiting_tasks_and_lets_running_ones_finish() {
    let mut h = Harness::ready(1);
    let w = h.spawned[0];
    let running = h.submit_with_timeout(1, 1000);
    let waiting: Vec<TaskId> = (2..5).map(|i| h.submit_with_timeout(i, 1000)).collect();
    // Before close() it refuses: an open pool keeps its queue.
    assert_eq!(h.pool.drop_queued(), 0);
    h.pool.take(w).unwrap();
    h.pool.close();
    assert_eq!(h.pool.drop_queued(), waiting.len());
    assert_eq!(h.pool.queue_size(), 0);
    h.pump();
    h.assert_each_settled_once(&waiting);
    assert!(h.settled.iter().all(|(_, o)| *o == Outcome::Disposed));
    assert_eq!(h.closed, 0, "the running task has not finished");
    assert!(h.terminated.is_empty(), "its worker is left alone");
    assert_eq!(h.pool.complete(w, running, returned(1)), None);
    h.pump();
    assert_eq!(h.closed, 1);
    h.assert_each_settled_once(&[&waiting[..], &[running]].concat());
}

#[test]
fn drop_queued_keeps_what_a_starting_worker_will_take() {
    let mut h = Harness::new(1, usize::MAX);
    let w = h.spawned[0];
    let tasks: Vec<TaskId> = (0..3).map(|i| h.submit(i)).collect();
    h.pool.close();
    assert_eq!(h.pool.drop_queued(), 2, "the first is w's, which starts for it");
    h.pump();
    h.assert_each_settled_once(&tasks[1..]);
    assert_eq!(h.closed, 0);
    let first = h.ready_worker(w).expect("w takes the first task");
    assert_eq!(first.id, tasks[0]);
    assert_eq!(h.pool.complete(w, first.id, returned(0)), None);
    h.pump();
    assert_eq!(h.closed, 1);
}

#[test]
fn drop_queued_on_an_idle_pool_drops_nothing_and_it_closes() {
    let mut h = Harness::ready(1);
    h.pool.close();
    assert_eq!(h.pool.drop_queued(), 0);
    h.pump();
    assert_eq!(h.closed, 1);
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
fn the_launcher_is_asked_to_stop_each_worker_once_whatever_stops_it_first() {
    let mut h = Harness::new(2, usize::MAX);
    let (ready, starting) = (h.spawned[0], h.spawned[1]);
    assert_eq!(h.ready_worker(ready), None);
    let task = h.submit_with_timeout(1, 10);
    h.pool.take(ready).unwrap();
    // Its deadline stops `ready` and starts a replacement.
    assert_eq!(h.timers.fire_all(), 1);
    h.pump();
    let replacement = h.spawned[2];
    h.pool.dispose();
    h.pool.dispose();
    // `pump` checks the launcher's calls against these events.
    h.pump();
    assert_eq!(h.terminated, vec![ready, starting, replacement]);
    h.assert_each_settled_once(&[task]);
}
