//! How a worker the host stops (a thread) is to stop: one that runs nothing
//! is rung and leaves on its own (what it wrote last still reaches the main
//! thread); one that runs something, or may be stuck, or has not started, is
//! stopped at once. A launcher (process workers) stops its workers itself.

use std::time::Duration;

use crate::core::{PoolConfig, Stopping};

use super::harness::{config, returned, Harness};

fn hosted(workers: usize) -> Harness {
    let mut h = Harness::hosted(config(workers, usize::MAX, Duration::ZERO));
    for worker in h.spawned.clone() {
        h.ready_worker(worker);
    }
    h
}

#[test]
fn an_idle_worker_is_rung_to_leave_on_its_own_at_dispose_and_a_busy_one_is_stopped_at_once() {
    let mut h = hosted(2);
    let task = h.submit(1);
    let busy = *h.spawned.iter().find(|w| h.pool.take(**w).is_some()).expect("a worker takes it");
    let idle = *h.spawned.iter().find(|w| **w != busy).unwrap();
    let rings_before = h.doorbell_rings(idle);
    h.pool.dispose();
    h.pump();
    let stopping_of = |h: &Harness, worker| h.stoppings[h.terminated.iter().position(|w| *w == worker).unwrap()];
    assert_eq!(stopping_of(&h, busy), Stopping::Now);
    assert_eq!(stopping_of(&h, idle), Stopping::Idle);
    assert_eq!(h.doorbell_rings(idle), rings_before + 1, "rung, to see that it is to leave");
    h.assert_each_settled_once(&[task]);
}

#[test]
fn a_starting_worker_is_stopped_at_once() {
    let mut h = Harness::hosted(config(1, usize::MAX, Duration::ZERO));
    h.pool.dispose();
    h.pump();
    assert_eq!(h.stoppings, vec![Stopping::Now], "it has no doorbell yet");
}

#[test]
fn a_worker_whose_task_timed_out_is_stopped_at_once() {
    let mut h = hosted(1);
    let w = h.spawned[0];
    let task = h.submit_with_timeout(1, 100);
    assert_eq!(h.pool.take(w).map(|d| d.id), Some(task));
    h.timers.fire_all();
    h.pump();
    assert_eq!((h.terminated.clone(), h.stoppings.clone()), (vec![w], vec![Stopping::Now]));
}

#[test]
fn an_idle_worker_past_its_idle_timeout_leaves_on_its_own() {
    let mut h = Harness::hosted(PoolConfig {
        min_workers: 0,
        max_workers: 1,
        idle_timeout: Some(Duration::from_millis(10)),
        ..config(1, usize::MAX, Duration::ZERO)
    });
    let task = h.submit(1);
    h.pump();
    let w = h.spawned[0];
    let delivery = h.ready_worker(w).expect("its task");
    assert_eq!(h.pool.complete(w, delivery.id, returned(1)), None);
    h.timers.fire_all();
    h.pump();
    assert_eq!((h.terminated.clone(), h.stoppings.clone()), (vec![w], vec![Stopping::Idle]));
    h.assert_each_settled_once(&[task]);
}

#[test]
fn a_launcher_stops_its_workers_itself() {
    let mut h = Harness::ready(1);
    h.pool.dispose();
    h.pump();
    assert_eq!(h.stoppings, vec![Stopping::Now], "the host has nothing to ask of it");
}
