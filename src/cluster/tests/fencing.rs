use super::*;
use crate::cluster::queue::Ack;
use crate::cluster::results::TaskOutcome;

#[test]
fn a_stale_ack_is_refused_after_another_node_claimed_the_entry() {
    let bench = Bench::new();
    bench.run(async {
        let slow = bench.node("slow", quick()).await;
        let fast = bench.node("fast", quick()).await;
        let ids = submit(&slow, &[task(1)]).await;
        let held = slow.read(1, 0, BLOCK).await.unwrap().started;
        assert_eq!(held.len(), 1);

        // `slow` stops renewing (paused, say): past the visibility timeout
        // `fast` claims the entry, at the next delivery count.
        pause(quick().visibility_timeout).await;
        let claimed = fast.claim_idle(10, 1).await.unwrap();
        assert_eq!(claimed.deliveries.len(), 1);
        assert_eq!((&claimed.deliveries[0].entry_id, claimed.deliveries[0].delivery_count), (&ids[0], 2));

        // `slow` resumes: its renewal and its ack are refused, nothing published.
        assert_eq!(slow.renew(&ids).await.unwrap().gone, ids);
        assert_eq!(slow.ack(&ids[0], 1, b"late").await.unwrap(), Ack::Stale);
        // Not even at the count it does not hold.
        assert_eq!(slow.ack(&ids[0], 2, b"late").await.unwrap(), Ack::Stale);
        assert!(slow.read_results(std::time::Duration::from_millis(50)).await.unwrap().is_empty());

        assert_eq!(fast.ack(&ids[0], 2, b"ok").await.unwrap(), Ack::Acked);
        let results = slow.read_results(BLOCK).await.unwrap();
        assert_eq!(results.len(), 1);
        assert_eq!(results[0].outcome, TaskOutcome::Done { deliveries: 2, body: b"ok".to_vec() });
    });
}

#[test]
fn a_renewed_entry_is_not_claimable_and_keeps_its_delivery_count() {
    let bench = Bench::new();
    bench.run(async {
        let runner = bench.node("runner", quick()).await;
        let other = bench.node("other", quick()).await;
        let ids = submit(&runner, &[task(1)]).await;
        runner.read(1, 0, BLOCK).await.unwrap();
        // Renewed well within the visibility timeout, for three timeouts.
        for _ in 0..6 {
            tokio::time::sleep(quick().visibility_timeout / 2).await;
            assert!(runner.renew(&ids).await.unwrap().gone.is_empty());
            assert!(other.claim_idle(10, 1).await.unwrap().deliveries.is_empty());
        }
        // The renewals counted no delivery: the ack at count 1 still holds.
        assert_eq!(runner.ack(&ids[0], 1, b"done").await.unwrap(), Ack::Acked);
    });
}
