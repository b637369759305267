use super::*;

#[test]
fn stats_show_live_nodes_backlog_pending_and_dead_letters() {
    let bench = Bench::new();
    bench.run(async {
        let submitter = bench.node("a-submitter", ClusterOptions { workers: 0, ..quick() }).await;
        let worker = bench.node("b-worker", ClusterOptions { max_deliveries: 1, ..quick() }).await;
        submit(&submitter, &(0..5).map(task).collect::<Vec<_>>()).await;
        let held = worker.read(3, 0, BLOCK).await.unwrap().started;
        worker.ack(&held[0].entry_id, 1, b"").await.unwrap();

        let stats = worker.stats().await.unwrap();
        let nodes: Vec<_> = stats.nodes.iter().map(|n| (n.id.as_str(), n.workers)).collect();
        assert_eq!(nodes, vec![("a-submitter", 0), ("b-worker", 2)]);
        assert!(stats.nodes.iter().all(|n| n.last_seen_ms < 1000));
        assert_eq!((stats.queued, stats.pending, stats.dead_letters), (2, 2, 0));

        // One held entry goes past the limit; the submitter's heartbeat lapses.
        tokio::time::sleep(quick().heartbeat_ttl().max(quick().visibility_timeout)).await;
        worker.heartbeat().await.unwrap();
        worker.renew(&[held[2].entry_id.clone()]).await.unwrap();
        let claimed = worker.claim_idle(10, 1).await.unwrap();
        assert_eq!(claimed.dead_lettered, 1);
        let stats = worker.stats().await.unwrap();
        assert_eq!(stats.nodes.iter().map(|n| n.id.as_str()).collect::<Vec<_>>(), vec!["b-worker"]);
        assert_eq!((stats.queued, stats.pending, stats.dead_letters), (2, 1, 1));
    });
}
