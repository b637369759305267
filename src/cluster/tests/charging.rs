//! What a node's death or stall charges: the deliveries it had started,
//! not those it held unstarted; and the delivery limit still dead-letters a
//! task that kills every node that starts it, and no task beside it.

use super::*;
use crate::cluster::queue::Ack;
use crate::cluster::results::TaskOutcome;
use crate::cluster::task::{Delivery, EntryId};

/// (task id, delivery count) of deliveries, by task id.
fn counts(deliveries: &[Delivery]) -> Vec<(u64, u64)> {
    let mut counts: Vec<_> = deliveries.iter().map(|d| (d.task.task.task_id, d.delivery_count)).collect();
    counts.sort();
    counts
}

/// Lets `queue`'s heartbeat expire: as far as the others can tell, it died.
async fn die(queue: Queue) {
    let ttl = queue.options.heartbeat_ttl();
    drop(queue);
    pause(ttl).await;
}

#[test]
fn a_dead_node_is_charged_only_for_what_it_had_started() {
    let bench = Bench::new();
    bench.run(async {
        let doomed = bench.node("doomed", quick()).await;
        let survivor = bench.node("survivor", quick()).await;
        let ids = submit(&survivor, &[task(1), task(2), task(3)]).await;
        // One for a free worker, two read ahead; then one of those starts.
        let read = doomed.read(1, 2, BLOCK).await.unwrap();
        assert_eq!((counts(&read.started), counts(&read.waiting)), (vec![(1, 1)], vec![(2, 1), (3, 1)]));
        assert_eq!(doomed.start_batch(&[(ids[1].clone(), 1)]).await.unwrap(), [true]);
        die(doomed).await;
        survivor.heartbeat().await.unwrap();
        let taken = survivor.take_back_dead_nodes(10, 10).await.unwrap();
        // Started: charged, a suspect. Never started: as it was.
        assert_eq!(counts(&taken.deliveries), [(1, 2), (2, 2), (3, 1)]);
        assert_eq!(taken.nodes_removed, 1);
        for delivery in &taken.deliveries {
            let ack = survivor.ack(&delivery.entry_id, delivery.delivery_count, b"ok").await.unwrap();
            assert_eq!(ack, Ack::Acked);
        }
    });
}

#[test]
fn a_stalled_node_is_charged_only_for_what_it_had_started_and_starts_nothing_it_lost() {
    let bench = Bench::new();
    bench.run(async {
        let stalled = bench.node("stalled", quick()).await;
        let ids = submit(&stalled, &[task(1), task(2)]).await;
        let read = stalled.read(1, 1, BLOCK).await.unwrap();
        assert_eq!((read.started.len(), read.waiting.len()), (1, 1));
        // It stops renewing (paused, say) past the visibility timeout.
        pause(quick().visibility_timeout).await;
        let other = bench.node("other", quick()).await;
        let claimed = other.claim_idle(10, 10).await.unwrap();
        assert_eq!(counts(&claimed.deliveries), [(1, 2), (2, 1)]);
        // Back, the stalled node can neither start nor report what it lost:
        // the same entry at the same count is another node's now.
        assert_eq!(stalled.start_batch(&[(ids[1].clone(), 1)]).await.unwrap(), [false]);
        assert_eq!(stalled.ack(&ids[1], 1, b"late").await.unwrap(), Ack::Stale);
        assert_eq!(other.start_batch(&[(ids[1].clone(), 1)]).await.unwrap(), [true]);
        assert_eq!(other.ack(&ids[1], 1, b"ok").await.unwrap(), Ack::Acked);
    });
}

#[test]
fn a_node_takes_one_suspect_at_a_time_and_leaves_the_others_to_other_nodes() {
    let bench = Bench::new();
    bench.run(async {
        let doomed = bench.node("doomed", quick()).await;
        submit(&doomed, &[task(1), task(2), task(3)]).await;
        assert_eq!(doomed.read(3, 0, BLOCK).await.unwrap().started.len(), 3);
        die(doomed).await;
        let first = bench.node("first", quick()).await;
        let second = bench.node("second", quick()).await;
        // No room for a suspect: nothing taken, nothing charged twice.
        assert!(first.take_back_dead_nodes(10, 0).await.unwrap().deliveries.is_empty());
        let one = first.take_back_dead_nodes(10, 1).await.unwrap();
        let two = second.take_back_dead_nodes(10, 1).await.unwrap();
        assert_eq!((one.deliveries.len(), two.deliveries.len()), (1, 1));
        let last = first.take_back_dead_nodes(10, 1).await.unwrap();
        let all: Vec<_> = [one, two, last].iter().flat_map(|taken| taken.deliveries.clone()).collect();
        assert_eq!(counts(&all), [(1, 2), (2, 2), (3, 2)]);
    });
}

/// A node that follows the rules: takes back what dead nodes hold, runs a
/// suspect alone, then what else it took. Dies (returns `None`) if it
/// starts the poison; else settles everything it took.
async fn live_one_node(bench: &Bench, name: &str, options: &ClusterOptions, poison: &EntryId) -> Option<Queue> {
    let node = bench.node(name, options.clone()).await;
    let taken = node.take_back_dead_nodes(10, 1).await.unwrap().deliveries;
    let (suspects, fresh): (Vec<_>, Vec<_>) = taken.into_iter().partition(|d| d.delivery_count > 1);
    for delivery in suspects.into_iter().chain(fresh) {
        let started = node.start_batch(&[(delivery.entry_id.clone(), delivery.delivery_count)]).await.unwrap();
        assert_eq!(started, [true]);
        if delivery.entry_id == *poison {
            die(node).await;
            return None;
        }
        assert_eq!(node.ack(&delivery.entry_id, delivery.delivery_count, b"ok").await.unwrap(), Ack::Acked);
    }
    Some(node)
}

#[test]
fn a_task_that_kills_every_node_that_starts_it_is_dead_lettered_and_no_task_beside_it() {
    let bench = Bench::new();
    bench.run(async {
        let options = ClusterOptions { max_deliveries: 2, ..quick() };
        let submitter = bench.node("submitter", ClusterOptions { workers: 0, ..options.clone() }).await;
        let ids = submit(&submitter, &[task(0), task(1), task(2), task(3)]).await;
        // The first node starts the poison and one innocent, reads two ahead, and dies.
        let first = bench.node("n0", options.clone()).await;
        let read = first.read(2, 2, BLOCK).await.unwrap();
        assert_eq!((read.started.len(), read.waiting.len()), (2, 2));
        die(first).await;
        let mut deaths = 1;
        for n in 1..10 {
            match live_one_node(&bench, &format!("n{n}"), &options, &ids[0]).await {
                None => deaths += 1,
                Some(_) if submitter.stats().await.unwrap().dead_letters == 1 => break,
                Some(_) => {}
            }
        }
        let mut results = Vec::new();
        for _ in 0..10 {
            if results.len() == 4 {
                break;
            }
            results.extend(submitter.read_results(BLOCK).await.unwrap());
        }
        results.sort_by_key(|r| r.task_id);
        let outcomes: Vec<_> = results.iter().map(|r| (r.task_id, r.outcome.clone())).collect();
        let done = |deliveries| TaskOutcome::Done { deliveries, body: b"ok".to_vec() };
        assert_eq!(
            outcomes,
            [
                (0, TaskOutcome::DeliveryLimit { deliveries: 2 }),
                // Started beside the poison: charged once, then run alone.
                (1, done(2)),
                // Read ahead: never charged.
                (2, done(1)),
                (3, done(1)),
            ]
        );
        // maxDeliveries bounds how many nodes it killed.
        assert_eq!(deaths, 2);
    });
}
