use redis::AsyncCommands;

use super::*;
use crate::cluster::keys::GROUP;
use crate::cluster::queue::Ack;
use crate::cluster::results::TaskOutcome;
use crate::cluster::value::{field, RawEntry};

async fn dead_letters(bench: &Bench, node: &Queue) -> Vec<RawEntry> {
    let reply: redis::Value = bench.raw().await.xrange_all(&node.keys().dead).await.unwrap();
    crate::cluster::value::items(&reply).unwrap().iter().map(|e| crate::cluster::value::entry(e).unwrap()).collect()
}

fn text<'a>(entry: &'a RawEntry, name: &str) -> &'a str {
    std::str::from_utf8(field(&entry.fields, name).unwrap()).unwrap()
}

#[test]
fn an_idle_entry_is_taken_back_after_the_visibility_timeout_only() {
    let bench = Bench::new();
    bench.run(async {
        let first = bench.node("first", quick()).await;
        let second = bench.node("second", quick()).await;
        let ids = submit(&first, &[task(1)]).await;
        first.read(1, 0, BLOCK).await.unwrap();
        assert!(second.claim_idle(10, 1).await.unwrap().deliveries.is_empty());
        pause(quick().visibility_timeout).await;
        let recovered = second.claim_idle(10, 1).await.unwrap();
        assert_eq!(recovered.deliveries.len(), 1);
        assert_eq!(recovered.deliveries[0].entry_id, ids[0]);
        assert_eq!(recovered.deliveries[0].task.task.task_id, 1);
        assert_eq!(second.ack(&ids[0], 2, b"ok").await.unwrap(), Ack::Acked);
    });
}

#[test]
fn a_dead_nodes_entries_are_taken_back_at_once_and_then_it_is_deleted() {
    let bench = Bench::new();
    bench.run(async {
        // A long visibility timeout: only the heartbeat can explain the take-back.
        let options = ClusterOptions { visibility_timeout: std::time::Duration::from_secs(60), ..quick() };
        let doomed = bench.node("doomed", options.clone()).await;
        let survivor = bench.node("survivor", options.clone()).await;
        let ids = submit(&survivor, &[task(1), task(2), task(3)]).await;
        assert_eq!(doomed.read(3, 0, BLOCK).await.unwrap().started.len(), 3);

        // Alive: nothing to take.
        let nothing = survivor.take_back_dead_nodes(10, 10).await.unwrap();
        assert_eq!((nothing.deliveries.len(), nothing.nodes_removed), (0, 0));

        // `doomed` stops beating; three heartbeats later it is dead. It had
        // started them all: each is charged, and a suspect. The budget limits
        // the take-back: the node stays until it holds nothing.
        pause(options.heartbeat_ttl()).await;
        survivor.heartbeat().await.unwrap();
        let some = survivor.take_back_dead_nodes(10, 2).await.unwrap();
        assert_eq!((some.deliveries.len(), some.nodes_removed), (2, 0));
        let rest = survivor.take_back_dead_nodes(10, 2).await.unwrap();
        assert_eq!((rest.deliveries.len(), rest.nodes_removed), (1, 1));
        let mut taken: Vec<_> = some.deliveries.iter().chain(&rest.deliveries).map(|d| d.entry_id.clone()).collect();
        taken.sort();
        assert_eq!(taken, ids);
        assert!(some.deliveries.iter().chain(&rest.deliveries).all(|d| d.delivery_count == 2));

        let consumers: redis::Value = redis::cmd("XINFO")
            .arg("CONSUMERS")
            .arg(&survivor.keys().tasks)
            .arg("workers")
            .query_async(&mut bench.raw().await)
            .await
            .unwrap();
        let names = format!("{consumers:?}");
        assert!(!names.contains("doomed") && names.contains("survivor"), "{names}");
        let nodes: Vec<String> = bench.raw().await.smembers(&survivor.keys().nodes).await.unwrap();
        assert_eq!(nodes, vec!["survivor".to_string()]);

        // `doomed` comes back: what it held is no longer its own.
        assert_eq!(doomed.ack(&ids[0], 1, b"late").await.unwrap(), Ack::Stale);
        for d in some.deliveries.iter().chain(&rest.deliveries) {
            assert_eq!(survivor.ack(&d.entry_id, d.delivery_count, b"ok").await.unwrap(), Ack::Acked);
        }
    });
}

#[test]
fn past_max_deliveries_an_entry_is_dead_lettered_and_its_submitter_told() {
    let bench = Bench::new();
    bench.run(async {
        let submitter = bench.node("submitter", ClusterOptions { workers: 0, ..quick() }).await;
        let node = bench.node("node", quick()).await;
        let ids = submit(&submitter, &[task(1), task(2)]).await;
        let read = node.read(2, 0, BLOCK).await.unwrap().started;
        // Task 2 is fine; task 1 kills whatever runs it (never acknowledged).
        node.ack(&read[1].entry_id, 1, b"fine").await.unwrap();
        for delivery in 2..=3 {
            pause(quick().visibility_timeout).await;
            let claimed = node.claim_idle(10, 1).await.unwrap();
            assert_eq!(claimed.deliveries.len(), 1);
            assert_eq!(claimed.deliveries[0].delivery_count, delivery);
            // Claimed, it waits unstarted; started, its holder's stall is charged.
            assert_eq!(node.start_batch(&[(ids[0].clone(), delivery)]).await.unwrap(), [true]);
        }
        pause(quick().visibility_timeout).await;
        let last = node.claim_idle(10, 1).await.unwrap();
        assert_eq!((last.deliveries.len(), last.dead_lettered), (0, 1));

        let dead = dead_letters(&bench, &node).await;
        assert_eq!(dead.len(), 1);
        assert_eq!(text(&dead[0], "entry"), ids[0].0);
        assert_eq!(text(&dead[0], "reason"), "delivered 3 times without an outcome");
        assert_eq!(text(&dead[0], "task"), "1");

        let mut results = Vec::new();
        while results.len() < 2 {
            results.extend(submitter.read_results(BLOCK).await.unwrap());
        }
        assert_eq!(results[0].outcome, TaskOutcome::Done { deliveries: 1, body: b"fine".to_vec() });
        assert_eq!((results[1].task_id, &results[1].outcome), (1, &TaskOutcome::DeliveryLimit { deliveries: 3 }));
        let mut raw = bench.raw().await;
        assert_eq!(raw.xlen::<_, usize>(&node.keys().tasks).await.unwrap(), 0);
        assert_eq!(owned(&mut raw, node.keys()).await, 0);
    });
}

#[test]
fn a_dead_node_past_max_deliveries_is_dead_lettered_in_the_take_back() {
    let bench = Bench::new();
    bench.run(async {
        let options = ClusterOptions { max_deliveries: 1, ..quick() };
        let doomed = bench.node("doomed", options.clone()).await;
        let survivor = bench.node("survivor", options.clone()).await;
        submit(&survivor, &[task(1)]).await;
        doomed.read(1, 0, BLOCK).await.unwrap();
        pause(options.heartbeat_ttl()).await;
        survivor.heartbeat().await.unwrap();
        let taken = survivor.take_back_dead_nodes(10, 1).await.unwrap();
        assert_eq!((taken.deliveries.len(), taken.dead_lettered, taken.nodes_removed), (0, 1, 1));
        let results = survivor.read_results(BLOCK).await.unwrap();
        assert_eq!(results[0].outcome, TaskOutcome::DeliveryLimit { deliveries: 1 });
    });
}

#[test]
fn an_entry_deleted_while_pending_is_reported_lost_to_its_submitter() {
    let bench = Bench::new();
    bench.run(async {
        let submitter = bench.node("submitter", ClusterOptions { workers: 0, ..quick() }).await;
        let node = bench.node("node", quick()).await;
        let ids = submit(&submitter, &[task(1), task(2)]).await;
        node.read(2, 0, BLOCK).await.unwrap();
        let mut raw = bench.raw().await;
        let _: usize = raw.xdel(&node.keys().tasks, &[ids[0].stream_id()]).await.unwrap();

        pause(quick().visibility_timeout).await;
        let claimed = node.claim_idle(10, 1).await.unwrap();
        assert_eq!((claimed.deliveries.len(), claimed.lost), (1, 1));
        assert_eq!(claimed.deliveries[0].entry_id, ids[1]);
        let results = submitter.read_results(BLOCK).await.unwrap();
        assert_eq!(results.len(), 1);
        assert_eq!((results[0].task_id, &results[0].entry_id, &results[0].outcome), (1, &ids[0], &TaskOutcome::Lost));
        assert_eq!(owned(&mut raw, node.keys()).await, 1);
    });
}

#[test]
fn an_entry_deleted_while_a_dead_node_held_it_is_reported_lost_in_the_take_back() {
    let bench = Bench::new();
    bench.run(async {
        let doomed = bench.node("doomed", quick()).await;
        let survivor = bench.node("survivor", quick()).await;
        let ids = submit(&survivor, &[task(1)]).await;
        doomed.read(1, 0, BLOCK).await.unwrap();
        let _: usize = bench.raw().await.xdel(&survivor.keys().tasks, &[ids[0].stream_id()]).await.unwrap();
        pause(quick().heartbeat_ttl()).await;
        survivor.heartbeat().await.unwrap();
        let taken = survivor.take_back_dead_nodes(10, 1).await.unwrap();
        assert_eq!((taken.deliveries.len(), taken.lost, taken.nodes_removed), (0, 1, 1));
        assert_eq!(survivor.read_results(BLOCK).await.unwrap()[0].outcome, TaskOutcome::Lost);
    });
}

#[test]
fn a_garbage_entry_is_dead_lettered_with_a_reason_and_crashes_nothing() {
    let bench = Bench::new();
    bench.run(async {
        let node = bench.node("node", quick()).await;
        let mut raw = bench.raw().await;
        let _: String = raw.xadd(&node.keys().tasks, "*", &[("hello", "world")]).await.unwrap();
        submit(&node, &[task(4)]).await;
        // Well addressed (its submitter is known) but not a task.
        let fields =
            [("node", "node"), ("task", "5"), ("handler", ""), ("payload", ""), ("timeout", ""), ("retries", "lots")];
        let bad: String = raw.xadd(&node.keys().tasks, "*", &fields).await.unwrap();
        let _: usize = raw.hset(&node.keys().owners, format!("0:{bad}"), "5 node").await.unwrap();

        let read = node.read(10, 0, BLOCK).await.unwrap().started;
        assert_eq!(read.len(), 1);
        assert_eq!(read[0].task.task.task_id, 4);
        let dead = dead_letters(&bench, &node).await;
        assert_eq!(dead.len(), 2);
        assert_eq!(text(&dead[0], "reason"), "missing field `timeout`");
        assert_eq!(text(&dead[0], "hello"), "world");
        assert_eq!(text(&dead[1], "reason"), "field `retries` is not a number");
        // The submitter of the invalid one hears why.
        let results = node.read_results(BLOCK).await.unwrap();
        assert_eq!(results.len(), 1);
        let reason = "field `retries` is not a number".to_string();
        assert_eq!((results[0].task_id, &results[0].outcome), (5, &TaskOutcome::Invalid { reason }));
        assert_eq!(raw.xlen::<_, usize>(&node.keys().tasks).await.unwrap(), 1);
    });
}

#[test]
fn the_dead_letters_keep_the_newest_up_to_their_limit() {
    let bench = Bench::new();
    bench.run(async {
        let node = bench.node("node", ClusterOptions { dead_letter_limit: Some(3), ..quick() }).await;
        let mut raw = bench.raw().await;
        for i in 0..5 {
            let _: String = raw.xadd(&node.keys().tasks, "*", &[("garbage", i.to_string())]).await.unwrap();
        }
        assert!(node.read(10, 0, BLOCK).await.unwrap().started.is_empty());
        let dead = dead_letters(&bench, &node).await;
        let kept: Vec<&str> = dead.iter().map(|letter| text(letter, "garbage")).collect();
        assert_eq!(kept, ["2", "3", "4"], "the oldest went first");
        assert_eq!(node.stats().await.unwrap().dead_letters, 3);
    });
}

#[test]
fn a_released_entry_is_taken_by_the_next_idle_claim_charged_only_if_asked() {
    let bench = Bench::new();
    bench.run(async {
        // Long visibility: only the release can make the entries claimable now.
        let options = ClusterOptions { visibility_timeout: Duration::from_secs(600), ..quick() };
        let first = bench.node("first", options.clone()).await;
        let ids = submit(&first, &[task(1), task(2)]).await;
        assert_eq!(first.read(2, 0, BLOCK).await.unwrap().started.len(), 2);
        first.release_batch(&[(ids[0].clone(), 1, false), (ids[1].clone(), 1, true)]).await.unwrap();
        let second = bench.node("second", options).await;
        let claimed = second.claim_idle(10, 1).await.unwrap();
        let counts: Vec<(u64, u64)> =
            claimed.deliveries.iter().map(|d| (d.task.task.task_id, d.delivery_count)).collect();
        assert_eq!(counts, vec![(1, 1), (2, 2)]);
        // The first node no longer holds them: its outcome would be refused.
        assert_eq!(first.ack(&ids[0], 1, b"late").await.unwrap(), Ack::Stale);
    });
}

#[test]
fn a_queue_lost_by_redis_gets_a_new_epoch() {
    let bench = Bench::new();
    bench.run(async {
        let node = bench.node("node", quick()).await;
        let submitted = node.submit_batch(&[task(1)]).await.unwrap();
        let before = submitted[0].as_ref().unwrap().epoch.clone();
        assert_eq!(node.heartbeat().await.unwrap(), before);
        // As a restart without persistence would leave it.
        let _: () = redis::cmd("DEL").arg(&node.keys().epoch).query_async(&mut bench.raw().await).await.unwrap();
        let after = node.heartbeat().await.unwrap();
        assert_ne!(after, before);
    });
}

#[test]
fn results_on_a_queue_made_again_are_read_from_its_beginning() {
    let bench = Bench::new();
    bench.run(async {
        let node = bench.node("node", quick()).await;
        let ids = submit(&node, &[task(1)]).await;
        assert_eq!(node.read(1, 0, BLOCK).await.unwrap().started.len(), 1);
        assert_eq!(node.ack(&ids[0], 1, b"first").await.unwrap(), Ack::Acked);
        assert_eq!(node.read_results(BLOCK).await.unwrap().len(), 1);
        // Redis loses the queue; the new result stream's ids are below the old
        // ones (a server whose clock is behind).
        let mut raw = bench.raw().await;
        let results = node.keys().results("node");
        let record: Vec<(String, Vec<String>)> =
            redis::cmd("XRANGE").arg(&results).arg("-").arg("+").query_async(&mut raw).await.unwrap();
        let _: () = redis::cmd("DEL").arg(&results).arg(&node.keys().epoch).query_async(&mut raw).await.unwrap();
        let _: String =
            redis::cmd("XADD").arg(&results).arg("1-1").arg(&record[0].1).query_async(&mut raw).await.unwrap();
        node.heartbeat().await.unwrap();
        let again = node.read_results(BLOCK).await.unwrap();
        assert_eq!(again.len(), 1, "the result on the new stream is read");
    });
}

#[test]
fn a_queue_redis_lost_in_part_begins_a_new_epoch_without_what_the_old_one_held() {
    type Loss = fn(&Keys) -> redis::Cmd;
    let losses: [(&str, Loss); 5] = [
        ("a lane's stream", |keys| redis::cmd("DEL").arg(format!("{}:5", keys.tasks)).clone()),
        ("a lane's group", |keys| redis::cmd("XGROUP").arg("DESTROY").arg(&keys.tasks).arg(GROUP).clone()),
        ("the lanes set", |keys| redis::cmd("DEL").arg(&keys.lanes).clone()),
        ("the owners hash", |keys| redis::cmd("DEL").arg(&keys.owners).clone()),
        ("the epoch", |keys| redis::cmd("DEL").arg(&keys.epoch).clone()),
    ];
    for (what, loss) in losses {
        let bench = Bench::new();
        bench.run(async {
            let node = bench.node("node", quick()).await;
            let tasks = [task(1), NewClusterTask { priority: 5, ..task(2) }];
            let before = node.submit_batch(&tasks).await.unwrap()[0].clone().unwrap().epoch;
            node.read(1, 0, BLOCK).await.unwrap();
            assert_eq!(node.heartbeat().await.unwrap(), before, "{what}: whole, the epoch stays");
            let mut raw = bench.raw().await;
            let _: redis::Value = loss(node.keys()).query_async(&mut raw).await.unwrap();
            let after = node.heartbeat().await.unwrap();
            assert_ne!(after, before, "{what}: a new epoch");
            // What the old epoch held is gone: nothing of it runs later.
            assert_eq!(owned(&mut raw, node.keys()).await, 0, "{what}");
            let lanes: Vec<String> =
                redis::cmd("ZRANGE").arg(&node.keys().lanes).arg(0).arg(-1).query_async(&mut raw).await.unwrap();
            assert_eq!(lanes, ["0"], "{what}");
            assert!(node.read(10, 0, BLOCK).await.unwrap().started.is_empty(), "{what}");
            // And the new one works.
            let again = node.submit_batch(&[task(3)]).await.unwrap()[0].clone().unwrap();
            assert_eq!(again.epoch, after, "{what}");
            assert_eq!(node.read(1, 0, BLOCK).await.unwrap().started.len(), 1, "{what}");
        });
    }
}

#[test]
fn a_lane_empty_for_its_retention_is_removed_and_made_again_when_needed() {
    let bench = Bench::new();
    bench.run(async {
        let options = quick();
        let node = bench.node("node", options.clone()).await;
        let mut raw = bench.raw().await;
        let lanes = |raw: &mut redis::aio::ConnectionManager| {
            let mut raw = raw.clone();
            let key = node.keys().lanes.clone();
            async move { redis::cmd("ZRANGE").arg(key).arg(0).arg(-1).query_async::<Vec<String>>(&mut raw).await.unwrap() }
        };
        // 200 priorities, each used once and done with.
        let tasks: Vec<NewClusterTask> = (1..=200).map(|p| NewClusterTask { priority: p, ..task(p as u64) }).collect();
        submit(&node, &tasks).await;
        let read = node.read(200, 0, BLOCK).await.unwrap();
        assert_eq!(read.started.len(), 200);
        for delivery in &read.started {
            assert_eq!(node.ack(&delivery.entry_id, 1, b"done").await.unwrap(), Ack::Acked);
        }
        assert_eq!(lanes(&mut raw).await.len(), 201);
        // Not before the retention: a priority in steady use keeps its lane.
        node.heartbeat().await.unwrap();
        assert_eq!(lanes(&mut raw).await.len(), 201);
        pause(options.lane_retention()).await;
        node.heartbeat().await.unwrap();
        assert_eq!(lanes(&mut raw).await, ["0"]);
        let streams: Vec<String> = redis::cmd("KEYS").arg(format!("{}:*", node.keys().tasks)).query_async(&mut raw).await.unwrap();
        assert_eq!(streams, Vec::<String>::new());
        // Removing lanes is not losing them: the epoch stays, and a priority
        // used again gets its lane again.
        let epoch = node.heartbeat().await.unwrap();
        let again = node.submit_batch(&[NewClusterTask { priority: 7, ..task(300) }]).await.unwrap();
        assert_eq!(again[0].as_ref().unwrap().epoch, epoch);
        assert_eq!(node.read(1, 0, BLOCK).await.unwrap().started[0].task.task.task_id, 300);
        // A lane with an entry pending is never removed, however old.
        pause(options.lane_retention()).await;
        node.heartbeat().await.unwrap();
        assert_eq!(lanes(&mut raw).await, ["0", "7"]);
    });
}
