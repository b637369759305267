//! A node that cannot go on: a panic on its own thread fails that node, which
//! says why and deletes its heartbeat, so that the others take back at once
//! what it held, under the rules of a death.

use std::sync::Arc;
use std::time::Duration;

use redis::AsyncCommands;

use super::node::{finish_one, submission, wait_until, wait_within, FakePool};
use super::*;
use crate::cluster::node::{ClusterNode, ClusterResult, NodeHost, ResultKind, Started};
use crate::cluster::task::Delivery;

/// A pool with a bug: it panics when given a task.
struct BrokenPool;

impl NodeHost for BrokenPool {
    fn start(&self, _delivery: Delivery) -> Started {
        panic!("a pool that panics on purpose, for a test");
    }

    fn abort(&self, _local: u64) {}

    fn ring(&self) {}
}

#[test]
fn a_panic_on_a_nodes_thread_fails_that_node_and_the_others_take_back_what_it_held_at_once() {
    let bench = Bench::new();
    let url = &bench.redis.url;
    // Slow heartbeats: a heartbeat key lives 1.5 s past the last one, so its
    // going sooner can only be the failing node's doing.
    let options = ClusterOptions {
        heartbeat: Duration::from_millis(500),
        visibility_timeout: Duration::from_secs(60),
        ..quick()
    };
    let submitter = ClusterNode::start(url, &bench.queue, options.clone(), 0, Arc::new(FakePool::default())).unwrap();
    let failing = ClusterNode::start(url, &bench.queue, options.clone(), 1, Arc::new(BrokenPool)).unwrap();
    let heartbeat = bench.run(async {
        let key = Keys::new(&bench.queue).heartbeat(failing.id());
        let mut raw = bench.raw().await;
        while !raw.exists::<_, bool>(&key).await.unwrap() {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        key
    });
    let task = submitter.submit(submission(1));
    wait_within(Duration::from_millis(1000), "the failing node's heartbeat to go", || {
        bench.run(async { !bench.raw().await.exists::<_, bool>(&heartbeat).await.unwrap() })
    });
    // Failed, it takes nothing more of its own submitters'...
    let own = failing.submit(submission(2));
    let (results, _) = failing.take_results();
    assert_eq!(results.iter().map(|r| (r.task_id, r.kind)).collect::<Vec<_>>(), [(own, ResultKind::Unavailable)]);
    assert!(
        String::from_utf8_lossy(&results[0].body).contains("panic"),
        "{:?}",
        String::from_utf8_lossy(&results[0].body)
    );
    // ...and leaves at once when disposed.
    failing.dispose();
    wait_until("the failed node to leave", || failing.take_results().1);

    // Another node takes the task back at its first heartbeat: the failed
    // node had started it, so it is charged a delivery, as a death would be.
    let pool = Arc::new(FakePool::default());
    let node = ClusterNode::start(url, &bench.queue, options, 1, pool.clone()).unwrap();
    wait_within(Duration::from_millis(1000), "the task to be taken back", || !pool.running.lock().is_empty());
    assert_eq!(pool.running.lock()[0].1.delivery_count, 2);
    finish_one(&node, &pool);
    let mut results: Vec<ClusterResult> = Vec::new();
    wait_until("the task's result", || {
        results.extend(submitter.take_results().0);
        !results.is_empty()
    });
    assert_eq!((results[0].task_id, results[0].kind, results[0].deliveries), (task, ResultKind::Done, 2));
}
