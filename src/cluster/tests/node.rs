//! A whole node on a real Redis, with a fake pool as its host: what the
//! binding relies on (back-pressure, settlement through acknowledgement,
//! one result per task, leaving).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::Mutex;

use super::*;
use crate::cluster::node::{ClusterNode, ClusterResult, NodeHost, ResultKind, Started, Submission};
use crate::cluster::task::Delivery;

/// A pool that starts what it is given and ends it when the test says, and
/// notes every start that breaks the rule that a suspect (a delivery after
/// the first) runs alone.
#[derive(Default)]
pub struct FakePool {
    next: AtomicU64,
    pub running: Mutex<Vec<(u64, Delivery)>>,
    not_alone: Mutex<Vec<String>>,
}

impl NodeHost for FakePool {
    fn start(&self, delivery: Delivery) -> Started {
        let local = self.next.fetch_add(1, Ordering::Relaxed);
        let mut running = self.running.lock();
        let suspect_running = running.iter().any(|(_, running)| running.delivery_count > 1);
        if suspect_running || (delivery.delivery_count > 1 && !running.is_empty()) {
            let beside: Vec<_> = running.iter().map(|(_, d)| (d.task.task.payload.clone(), d.delivery_count)).collect();
            let what = (delivery.task.task.payload.clone(), delivery.delivery_count);
            self.not_alone.lock().push(format!("{what:?} started beside {beside:?}"));
        }
        running.push((local, delivery));
        Started::Running(local)
    }

    fn abort(&self, _local: u64) {}

    fn ring(&self) {}
}

pub fn wait_until(what: &str, condition: impl FnMut() -> bool) {
    wait_within(Duration::from_secs(5), what, condition);
}

pub fn wait_within(most: Duration, what: &str, mut condition: impl FnMut() -> bool) {
    let start = Instant::now();
    while !condition() {
        assert!(start.elapsed() < most, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

pub fn submission(n: u8) -> Submission {
    Submission { handler: String::new(), payload: vec![n], timeout_ms: None, retries: 0, priority: 0 }
}

/// Ends the oldest running task with its payload as the outcome.
pub fn finish_one(node: &ClusterNode, pool: &FakePool) {
    let (local, delivery) = pool.running.lock().remove(0);
    let settler = node.settler();
    let held = settler.release(local).expect("the node holds what it started");
    settler.acknowledge(held, delivery.task.task.payload);
}

#[test]
fn a_node_takes_only_what_its_workers_can_run_and_each_result_comes_back_once() {
    let bench = Bench::new();
    let pool = Arc::new(FakePool::default());
    let node = ClusterNode::start(&bench.redis.url, &bench.queue, quick(), 2, pool.clone()).unwrap();
    let ids: Vec<u64> = (1..=3).map(|n| node.submit(submission(n))).collect();
    wait_until("two tasks to start", || pool.running.lock().len() == 2);
    // Two workers, no task ended yet: the third stays in the queue.
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(pool.running.lock().len(), 2);
    finish_one(&node, &pool);
    wait_until("the third task to start", || pool.running.lock().len() == 2);
    finish_one(&node, &pool);
    finish_one(&node, &pool);
    let mut results: Vec<ClusterResult> = Vec::new();
    wait_until("three results", || {
        results.extend(node.take_results().0);
        results.len() == 3
    });
    results.sort_by_key(|result| result.task_id);
    assert_eq!(results.iter().map(|result| result.task_id).collect::<Vec<_>>(), ids);
    assert!(results.iter().all(|result| result.kind == ResultKind::Done && result.by == node.id()));
    assert_eq!(node.outstanding(), 0);
    node.dispose();
    wait_until("the node to leave", || node.take_results().1);
}

#[test]
fn a_node_that_leaves_hands_what_it_holds_to_another_at_once() {
    let bench = Bench::new();
    // A visibility timeout far beyond the test: only the hand-back can explain it.
    let options = ClusterOptions { visibility_timeout: Duration::from_secs(600), ..quick() };
    let leaving_pool = Arc::new(FakePool::default());
    let leaving = ClusterNode::start(&bench.redis.url, &bench.queue, options.clone(), 1, leaving_pool.clone()).unwrap();
    leaving.submit(submission(7));
    wait_until("the task to start", || leaving_pool.running.lock().len() == 1);
    leaving.dispose();
    wait_until("the node to leave", || leaving.take_results().1);
    let staying_pool = Arc::new(FakePool::default());
    let staying = ClusterNode::start(&bench.redis.url, &bench.queue, options, 1, staying_pool.clone()).unwrap();
    wait_until("the task to be taken back", || staying_pool.running.lock().len() == 1);
    // Handed back on leaving, it is not charged a delivery.
    assert_eq!(staying_pool.running.lock()[0].1.delivery_count, 1);
    finish_one(&staying, &staying_pool);
}

#[test]
fn what_a_dead_node_had_started_runs_again_alone_and_what_it_never_got_runs_at_once() {
    let bench = Bench::new();
    let url = &bench.redis.url;
    let submitter = ClusterNode::start(url, &bench.queue, quick(), 0, Arc::new(FakePool::default())).unwrap();
    let doomed_pool = Arc::new(FakePool::default());
    let doomed = ClusterNode::start(url, &bench.queue, quick(), 2, doomed_pool.clone()).unwrap();
    let ids: Vec<u64> = (1..=3).map(|n| submitter.submit(submission(n))).collect();
    wait_until("two tasks to start on the doomed node", || doomed_pool.running.lock().len() == 2);
    // It dies: it never leaves, its heartbeat expires.
    drop(doomed);
    // Room for all three at once: only the rule keeps the two it had started apart.
    let pool = Arc::new(FakePool::default());
    let node = ClusterNode::start(url, &bench.queue, quick(), 3, pool.clone()).unwrap();
    let mut ran = Vec::new();
    while ran.len() < 3 {
        wait_until("a task to run", || !pool.running.lock().is_empty());
        // Time for the node to take back and start what it should not beside it.
        std::thread::sleep(Duration::from_millis(150));
        let first = pool.running.lock()[0].1.clone();
        ran.push((first.task.task.payload[0], first.delivery_count));
        finish_one(&node, &pool);
    }
    assert_eq!(*pool.not_alone.lock(), Vec::<String>::new());
    ran.sort();
    assert_eq!(ran, [(1, 2), (2, 2), (3, 1)]);
    let mut results: Vec<ClusterResult> = Vec::new();
    wait_until("three results", || {
        results.extend(submitter.take_results().0);
        results.len() == 3
    });
    results.sort_by_key(|result| result.task_id);
    let deliveries: Vec<_> = results.iter().map(|result| (result.task_id, result.deliveries)).collect();
    assert_eq!(deliveries, [(ids[0], 2), (ids[1], 2), (ids[2], 1)]);
}

#[test]
fn a_failing_upkeep_step_does_not_keep_a_node_from_renewing_what_it_runs() {
    let bench = Bench::new();
    let pool = Arc::new(FakePool::default());
    // Renewed every heartbeat (20 ms), an entry idles far less than this.
    let options = ClusterOptions { visibility_timeout: Duration::from_millis(500), ..quick() };
    let visibility = options.visibility_timeout.as_millis() as u64;
    let node = ClusterNode::start(&bench.redis.url, &bench.queue, options, 1, pool.clone()).unwrap();
    node.submit(submission(1));
    wait_until("the task to start", || pool.running.lock().len() == 1);
    // The set of nodes becomes a string: the heartbeat and the take-back fail
    // from now on (WRONGTYPE); the renewal does not need it.
    let keys = crate::cluster::keys::Keys::new(&bench.queue);
    bench.run(async {
        let mut raw = bench.raw().await;
        let _: () = redis::cmd("DEL").arg(&keys.nodes).query_async(&mut raw).await.unwrap();
        let _: () = redis::cmd("SET").arg(&keys.nodes).arg("not a set").query_async(&mut raw).await.unwrap();
    });
    // Several visibility timeouts: renewed, the entry never idles that long.
    for _ in 0..3 {
        std::thread::sleep(Duration::from_millis(visibility));
        let idle: u64 = bench.run(async {
            let mut raw = bench.raw().await;
            let rows: Vec<(String, String, u64, u64)> = redis::cmd("XPENDING")
                .arg(&keys.tasks)
                .arg("workers")
                .arg("-")
                .arg("+")
                .arg(10)
                .query_async(&mut raw)
                .await
                .unwrap();
            rows[0].2
        });
        assert!(idle < visibility, "renewed despite the failing steps (idle {idle} ms)");
    }
    finish_one(&node, &pool);
    node.dispose();
}

#[test]
fn an_entry_deleted_while_a_live_node_runs_it_is_reported_lost_to_its_submitter() {
    let bench = Bench::new();
    let url = &bench.redis.url;
    let submitter = ClusterNode::start(url, &bench.queue, quick(), 0, Arc::new(FakePool::default())).unwrap();
    let pool = Arc::new(FakePool::default());
    let node = ClusterNode::start(url, &bench.queue, quick(), 1, pool.clone()).unwrap();
    let id = submitter.submit(submission(1));
    wait_until("the task to start", || pool.running.lock().len() == 1);
    // An operator's XDEL (or a mistaken trim) while it runs.
    let keys = crate::cluster::keys::Keys::new(&bench.queue);
    let entry = pool.running.lock()[0].1.entry_id.0.clone();
    let stream_id = entry.split_once(':').map(|(_, id)| id.to_string()).unwrap();
    bench.run(async {
        let _: u64 =
            redis::cmd("XDEL").arg(&keys.tasks).arg(&stream_id).query_async(&mut bench.raw().await).await.unwrap();
    });
    // Within a few heartbeats (20 ms each), its submitter hears of it.
    let mut results: Vec<ClusterResult> = Vec::new();
    wait_until("the submitter to hear the task is lost", || {
        results.extend(submitter.take_results().0);
        !results.is_empty()
    });
    assert_eq!((results[0].task_id, results[0].kind), (id, ResultKind::Lost));
    submitter.dispose();
    node.dispose();
}

#[test]
fn nodes_that_only_submit_still_forget_the_dead_nodes_that_hold_nothing() {
    let bench = Bench::new();
    let submitter =
        ClusterNode::start(&bench.redis.url, &bench.queue, quick(), 0, Arc::new(FakePool::default())).unwrap();
    submitter.submit(submission(1));
    let keys = crate::cluster::keys::Keys::new(&bench.queue);
    // A node that read the queue, held nothing and died (no heartbeat).
    let ghost_known = || {
        bench.run(async {
            let mut raw = bench.raw().await;
            let member: bool =
                redis::cmd("SISMEMBER").arg(&keys.nodes).arg("ghost").query_async(&mut raw).await.unwrap();
            let consumers: Vec<redis::Value> = redis::cmd("XINFO")
                .arg("CONSUMERS")
                .arg(&keys.tasks)
                .arg("workers")
                .query_async(&mut raw)
                .await
                .unwrap();
            member || !consumers.is_empty()
        })
    };
    wait_until("the submission to reach the queue", || {
        submitter.outstanding() == 1
            && bench.run(async {
                redis::cmd("XLEN").arg(&keys.tasks).query_async::<u64>(&mut bench.raw().await).await.unwrap() == 1
            })
    });
    bench.run(async {
        let mut raw = bench.raw().await;
        let _: () = redis::cmd("XGROUP")
            .arg("CREATECONSUMER")
            .arg(&keys.tasks)
            .arg("workers")
            .arg("ghost")
            .query_async(&mut raw)
            .await
            .unwrap();
        let _: () = redis::cmd("SADD").arg(&keys.nodes).arg("ghost").query_async(&mut raw).await.unwrap();
    });
    assert!(ghost_known());
    wait_until("the dead node to be forgotten", || !ghost_known());
    submitter.dispose();
}

#[test]
fn a_busy_node_takes_a_dead_nodes_work_and_runs_it_before_new_work_of_a_lower_priority() {
    let bench = Bench::new();
    let url = &bench.redis.url;
    let submitter = ClusterNode::start(url, &bench.queue, quick(), 0, Arc::new(FakePool::default())).unwrap();
    let pool = Arc::new(FakePool::default());
    let busy = ClusterNode::start(url, &bench.queue, quick(), 2, pool.clone()).unwrap();
    // A backlog of priority 0; the node's two workers run the first two.
    for n in 0..20 {
        submitter.submit(submission(n));
    }
    wait_until("the busy node to run two tasks", || pool.running.lock().len() == 2);
    // A node reads two tasks of priority 5 ahead, and dies.
    let keys = crate::cluster::keys::Keys::new(&bench.queue);
    for n in [100, 101] {
        submitter.submit(Submission { priority: 5, ..submission(n) });
    }
    let lane_5 = format!("{}:5", keys.tasks);
    let holder = |bench: &Bench| -> Vec<String> {
        bench.run(async {
            let rows: Vec<(String, String, u64, u64)> = redis::cmd("XPENDING")
                .arg(&lane_5)
                .arg("workers")
                .arg("-")
                .arg("+")
                .arg(10)
                .query_async(&mut bench.raw().await)
                .await
                .unwrap_or_default();
            rows.into_iter().map(|row| row.1).collect()
        })
    };
    wait_until("the tasks of priority 5 to be in Redis", || {
        bench.run(async {
            redis::cmd("XLEN").arg(&lane_5).query_async::<u64>(&mut bench.raw().await).await.unwrap_or(0) == 2
        })
    });
    bench.run(async {
        let doomed = bench.node("doomed", quick()).await;
        assert_eq!(doomed.read(0, 2, BLOCK).await.unwrap().waiting.len(), 2);
    });
    assert_eq!(holder(&bench), ["doomed", "doomed"]);
    // Its heartbeat expires (60 ms); the busy node, all its workers taken,
    // takes its work at once all the same.
    let busy_id = busy.id().to_string();
    wait_until("the busy node to take the dead node's work", || holder(&bench) == [busy_id.clone(), busy_id.clone()]);
    // Taken in Redis before the node lists them among what it holds.
    let held_of_priority_5 = || busy.held_entries().iter().filter(|entry| entry.0.starts_with("5:")).count();
    wait_until("the busy node to hold the dead node's work", || held_of_priority_5() == 2);
    // And runs it next, before the backlog of a lower priority.
    let mut ran = Vec::new();
    while ran.len() < 2 {
        finish_one(&busy, &pool);
        wait_until("the next task to start", || pool.running.lock().len() == 2);
        ran.push(pool.running.lock()[1].1.task.task.payload[0]);
    }
    assert_eq!(ran, [100, 101]);
    submitter.dispose();
    busy.dispose();
}

#[test]
fn an_entry_deleted_before_any_node_read_it_is_reported_lost_to_its_submitter() {
    let bench = Bench::new();
    // No node runs anything: the task waits in its lane.
    let submitter =
        ClusterNode::start(&bench.redis.url, &bench.queue, quick(), 0, Arc::new(FakePool::default())).unwrap();
    submitter.submit(submission(1));
    let deleted = submitter.submit(submission(2));
    let keys = crate::cluster::keys::Keys::new(&bench.queue);
    let ids = || -> Vec<String> {
        bench.run(async {
            let entries: Vec<(String, Vec<(String, String)>)> = redis::cmd("XRANGE")
                .arg(&keys.tasks)
                .arg("-")
                .arg("+")
                .query_async(&mut bench.raw().await)
                .await
                .unwrap();
            entries.into_iter().map(|(id, _)| id).collect()
        })
    };
    wait_until("both tasks to be in Redis", || ids().len() == 2);
    // An operator's XDEL of the second.
    let second = ids()[1].clone();
    bench.run(async {
        let _: u64 =
            redis::cmd("XDEL").arg(&keys.tasks).arg(&second).query_async(&mut bench.raw().await).await.unwrap();
    });
    let mut results: Vec<ClusterResult> = Vec::new();
    wait_until("the submitter to hear the task is lost", || {
        results.extend(submitter.take_results().0);
        !results.is_empty()
    });
    assert_eq!((results[0].task_id, results[0].kind), (deleted, ResultKind::Lost));
    // The other still waits, and is still awaited.
    std::thread::sleep(Duration::from_millis(100));
    assert!(submitter.take_results().0.is_empty());
    assert_eq!(submitter.outstanding(), 1);
    submitter.dispose();
}
