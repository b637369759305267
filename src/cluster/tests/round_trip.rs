use redis::AsyncCommands;

use super::*;
use crate::cluster::queue::{Aborted, Ack};
use crate::cluster::results::TaskOutcome;
use crate::cluster::task::ClusterTask;

#[test]
fn a_task_goes_round_trip_and_its_result_reaches_the_submitter() {
    let bench = Bench::new();
    bench.run(async {
        let submitter = bench.node("submitter", ClusterOptions { workers: 0, ..quick() }).await;
        let worker = bench.node("worker", quick()).await;
        let ids = submit(&submitter, &[task(1), task(2), task(3)]).await;
        assert_eq!(ids.len(), 3);

        // COUNT is the free slots: two now, the third later.
        let first = worker.read(2, 0, BLOCK).await.unwrap().started;
        assert_eq!(first.len(), 2);
        let delivery = &first[0];
        assert_eq!((&delivery.entry_id, delivery.delivery_count, delivery.aborted), (&ids[0], 1, false));
        let expected = ClusterTask { submitter: "submitter".into(), task: task(1) };
        assert_eq!(delivery.task, expected);
        for d in &first {
            assert_eq!(worker.ack(&d.entry_id, 1, &[7, d.task.task.task_id as u8]).await.unwrap(), Ack::Acked);
        }
        let third = worker.read(2, 0, BLOCK).await.unwrap().started;
        assert_eq!(third.len(), 1);
        assert_eq!(worker.ack(&third[0].entry_id, 1, b"three").await.unwrap(), Ack::Acked);
        // A repeated ack (its reply lost, say) publishes nothing more.
        assert_eq!(worker.ack(&third[0].entry_id, 1, b"three").await.unwrap(), Ack::Stale);

        let mut results = Vec::new();
        while results.len() < 3 {
            results.extend(submitter.read_results(BLOCK).await.unwrap());
        }
        assert!(submitter.read_results(std::time::Duration::from_millis(50)).await.unwrap().is_empty());
        let outcomes: Vec<_> = results.iter().map(|r| (r.task_id, r.entry_id.clone(), r.outcome.clone())).collect();
        assert_eq!(
            outcomes,
            vec![
                (1, ids[0].clone(), TaskOutcome::Done { deliveries: 1, body: vec![7, 1] }),
                (2, ids[1].clone(), TaskOutcome::Done { deliveries: 1, body: vec![7, 2] }),
                (3, ids[2].clone(), TaskOutcome::Done { deliveries: 1, body: b"three".to_vec() }),
            ]
        );

        // Acknowledged entries leave the stream and the owners hash; results
        // are trimmed once settled.
        let mut raw = bench.raw().await;
        let keys = submitter.keys();
        assert_eq!(raw.xlen::<_, usize>(&keys.tasks).await.unwrap(), 0);
        assert_eq!(owned(&mut raw, keys).await, 0);
        submitter.trim_results(&results[1].id).await.unwrap();
        assert_eq!(raw.xlen::<_, usize>(keys.results("submitter")).await.unwrap(), 1);
        let ttl: i64 = raw.pttl(keys.results("submitter")).await.unwrap();
        assert!(ttl > 0 && ttl <= 60_000, "{ttl}");
    });
}

#[test]
fn an_empty_read_waits_for_its_block_time_and_returns_nothing() {
    let bench = Bench::new();
    bench.run(async {
        let worker = bench.node("worker", quick()).await;
        // Longer than redis-rs's default 500 ms response timeout: the
        // blocking connection must not time out on its own.
        let started = std::time::Instant::now();
        let block = std::time::Duration::from_millis(700);
        assert!(worker.read(2, 0, block).await.unwrap().started.is_empty());
        assert!(started.elapsed() >= block, "{:?}", started.elapsed());
    });
}

#[test]
fn a_task_submitted_while_a_node_blocks_past_half_a_second_is_delivered_to_it() {
    let bench = Bench::new();
    bench.run(async {
        let worker = bench.node("worker", quick()).await;
        let submitter = bench.node("submitter", quick()).await;
        let reading = worker.read(1, 0, std::time::Duration::from_millis(3000));
        let submitting = async {
            tokio::time::sleep(std::time::Duration::from_millis(700)).await;
            submit(&submitter, &[task(9)]).await
        };
        let (read, ids) = tokio::join!(reading, submitting);
        let read = read.unwrap().started;
        assert_eq!(read.len(), 1);
        assert_eq!(read[0].entry_id, ids[0]);
    });
}

#[test]
fn a_big_batch_is_submitted_in_order_and_the_stream_is_never_trimmed_while_pending() {
    let bench = Bench::new();
    bench.run(async {
        let node = bench.node("node", quick()).await;
        let tasks: Vec<_> = (0..1000).map(task).collect();
        let ids = submit(&node, &tasks).await;
        assert_eq!(ids.len(), 1000);
        assert_eq!(ids.iter().collect::<std::collections::HashSet<_>>().len(), 1000);
        let held = node.read(600, 0, BLOCK).await.unwrap().started;
        assert_eq!(held.len(), 600);
        assert!(held.iter().zip(0..).all(|(d, n)| d.task.task.task_id == n));
        for d in &held[..100] {
            node.ack(&d.entry_id, 1, b"").await.unwrap();
        }
        // 500 pending and 400 undelivered: all still in the stream.
        let mut raw = bench.raw().await;
        assert_eq!(raw.xlen::<_, usize>(&node.keys().tasks).await.unwrap(), 900);
        let first_pending: redis::streams::StreamRangeReply = raw
            .xrange(&node.keys().tasks, held[100].entry_id.stream_id(), held[100].entry_id.stream_id())
            .await
            .unwrap();
        assert_eq!(first_pending.ids.len(), 1);
    });
}

#[test]
fn an_aborted_task_never_runs_if_queued_and_is_reported_to_its_holder_if_held() {
    let bench = Bench::new();
    bench.run(async {
        let node = bench.node("node", quick()).await;
        let ids = submit(&node, &[task(1), task(2), task(3)]).await;
        // Never delivered: deleted, so no node ever reads it.
        assert_eq!(node.abort(&ids[0]).await.unwrap(), Aborted::Deleted);
        let read = node.read(1, 0, BLOCK).await.unwrap().started;
        assert_eq!(read[0].entry_id, ids[1]);
        // Held: marked, and its holder hears it when it renews.
        assert_eq!(node.abort(&ids[1]).await.unwrap(), Aborted::Marked);
        assert_eq!(node.renew(&[ids[1].clone()]).await.unwrap().aborted, vec![ids[1].clone()]);
        // Read after the abort: flagged on delivery, acknowledged unrun.
        assert_eq!(node.abort(&ids[2]).await.unwrap(), Aborted::Deleted);
        assert!(node.read(1, 0, BLOCK).await.unwrap().started.is_empty());
        node.ack(&ids[1], 1, b"aborted").await.unwrap();
        // Once acknowledged, the queue no longer knows the task.
        assert_eq!(node.abort(&ids[1]).await.unwrap(), Aborted::Unknown);
        let mut raw = bench.raw().await;
        assert_eq!(raw.scard::<_, usize>(&node.keys().aborted).await.unwrap(), 0);
        assert_eq!(raw.xlen::<_, usize>(&node.keys().tasks).await.unwrap(), 0);
    });
}

#[test]
fn a_task_marked_aborted_before_a_claim_is_flagged_on_that_delivery() {
    let bench = Bench::new();
    bench.run(async {
        let first = bench.node("first", quick()).await;
        let ids = submit(&first, &[task(1)]).await;
        assert_eq!(first.read(1, 0, BLOCK).await.unwrap().started.len(), 1);
        assert_eq!(first.abort(&ids[0]).await.unwrap(), Aborted::Marked);
        pause(quick().visibility_timeout).await;
        let second = bench.node("second", quick()).await;
        let claimed = second.claim_idle(10, 1).await.unwrap();
        assert_eq!(claimed.deliveries.iter().map(|d| d.aborted).collect::<Vec<_>>(), vec![true]);
    });
}

#[test]
fn past_max_queue_tasks_are_refused_and_the_rest_added() {
    let bench = Bench::new();
    bench.run(async {
        let node = bench.node("node", ClusterOptions { max_queue: Some(2), ..quick() }).await;
        let ids = node.submit_batch(&[task(1), task(2), task(3)]).await.unwrap();
        assert_eq!(ids.iter().map(Option::is_some).collect::<Vec<_>>(), vec![true, true, false]);
        // Delivered tasks leave the backlog: room for two more.
        assert_eq!(node.read(2, 0, BLOCK).await.unwrap().started.len(), 2);
        let ids = node.submit_batch(&[task(4), task(5), task(6)]).await.unwrap();
        assert_eq!(ids.iter().map(Option::is_some).collect::<Vec<_>>(), vec![true, true, false]);
    });
}

#[test]
fn higher_priorities_are_read_first_and_first_in_first_out_within_one() {
    let bench = Bench::new();
    bench.run(async {
        let node = bench.node("node", quick()).await;
        let priorities = [0, 5, -3, 5, 10, 0];
        let tasks: Vec<_> =
            priorities.iter().enumerate().map(|(i, &priority)| NewClusterTask { priority, ..task(i as u64) }).collect();
        submit(&node, &tasks).await;
        assert_eq!(node.stats().await.unwrap().queued, 6);
        let mut order = Vec::new();
        for _ in 0..3 {
            order.extend(node.read(2, 0, BLOCK).await.unwrap().started.into_iter().map(|d| d.task.task.task_id));
        }
        assert_eq!(order, vec![4, 1, 3, 0, 5, 2]);
        // A node waiting for work wakes for a task of any priority.
        let waiting = node.read(1, 0, Duration::from_secs(5));
        let submitted = async {
            pause(Duration::from_millis(100)).await;
            submit(&node, &[NewClusterTask { priority: -3, ..task(9) }]).await
        };
        let (read, _) = tokio::join!(waiting, submitted);
        assert_eq!(read.unwrap().started[0].task.task.task_id, 9);
    });
}
