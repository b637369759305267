//! Statistics: wait and run times, utilization, restarts per worker.

use std::time::Duration;

use crate::core::WorkerExit;

use super::harness::{returned, Harness};

#[test]
fn stats_summarize_wait_and_run_times_and_count_restarts() {
    let mut h = Harness::ready(1);
    let w = h.spawned[0];
    let a = h.submit(1);
    let b = h.submit(2);
    h.pool.take(w).unwrap();
    std::thread::sleep(Duration::from_millis(20));
    assert_eq!(h.pool.complete(w, a, returned(1)).unwrap().id, b);
    h.pool.worker_exited(w, WorkerExit::code(1)); // b crashes
    h.pump();
    let stats = h.pool.stats();
    assert_eq!((stats.wait_time.count, stats.run_time.count), (2, 2));
    assert!(stats.run_time.max >= 20.0, "{:?}", stats.run_time);
    assert!(stats.wait_time.max >= 20.0, "b waited for a: {:?}", stats.wait_time);
    assert!(stats.utilization > 0.0 && stats.utilization <= 1.0);
    assert_eq!(stats.workers.len(), 1);
    assert_eq!(stats.workers[0].restarts, 1, "the replacement inherits the count");
}
