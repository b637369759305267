//! Starting the tasks a node holds unstarted (read ahead, or taken from
//! another node) as its slots free up. Their start is recorded in Redis
//! before they run: a task that kills its node at once is charged a
//! delivery all the same, and the tasks the node never started are not.
//! That round trip is what a read-ahead task waits for when a slot frees;
//! when the slot frees because its task ended, the record travels with that
//! task's acknowledgement (see `runner`), so that a worker moving from one
//! task to the next costs one round trip. Other records (tasks read for
//! free workers, taken from other nodes, retried after an outage) go out
//! from here, without waiting for each other.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use super::{Settlement, Shared, BACKOFF};
use crate::cluster::queue::Queue;
use crate::cluster::task::{Delivery, EntryId};

impl Shared {
    /// Each turn takes what may start now (`Holding::next_to_start`) and
    /// records its start, without waiting for the records already on their
    /// way. Once the node stops reading (`close`), what waits goes back to
    /// the queue at once, uncharged.
    pub(super) async fn start_loop(self: Arc<Self>) {
        let Some(queue) = self.queue().await else { return };
        let mut stop = self.stop.subscribe();
        loop {
            let startable = self.startable.notified();
            if self.reading_stopped.load(Ordering::Acquire) {
                self.hand_back_waiting(&queue).await;
            }
            let batch = self.holding.lock().next_to_start();
            if batch.is_empty() {
                tokio::select! {
                    _ = startable => continue,
                    _ = stop.wait_for(|stopped| *stopped) => return,
                }
            }
            tokio::spawn(self.clone().record_and_start(queue.clone(), batch));
        }
    }

    /// Records the start of `batch`, then hands to the pool what is still
    /// this node's (an entry another node has taken meanwhile is dropped).
    /// Through an outage the batch waits, then goes back to waiting.
    async fn record_and_start(self: Arc<Self>, queue: Arc<Queue>, batch: Vec<Delivery>) {
        let mut stop = self.stop.subscribe();
        let entries = start_records(&batch);
        let recorded = tokio::select! {
            recorded = queue.start_batch(&entries) => recorded,
            _ = stop.wait_for(|stopped| *stopped) => return,
        };
        match recorded {
            Ok(ours) => self.start_recorded(&queue, batch, ours).await,
            Err(_) => {
                let failures = self.start_failures.fetch_add(1, Ordering::Relaxed) + 1;
                if self.sleep_or_stop(BACKOFF.delay(failures)).await {
                    return;
                }
                self.start_not_recorded(batch);
            }
        }
    }

    /// The start of `batch` is recorded (`ours`: whether each entry is still
    /// this node's): what is runs now.
    pub(super) async fn start_recorded(&self, queue: &Queue, batch: Vec<Delivery>, ours: Vec<bool>) {
        self.start_failures.store(0, Ordering::Relaxed);
        let count = batch.len();
        let ours: Vec<Delivery> =
            batch.into_iter().zip(ours).filter_map(|(delivery, ours)| ours.then_some(delivery)).collect();
        let settled = {
            let mut holding = self.holding.lock();
            holding.started(count);
            self.start_in_pool(&mut holding, ours)
        };
        self.changed();
        self.send_settlements(queue, settled).await;
    }

    /// The start of `batch` could not be recorded: it waits again.
    pub(super) fn start_not_recorded(&self, batch: Vec<Delivery>) {
        let mut holding = self.holding.lock();
        holding.started(batch.len());
        holding.wait(batch);
        drop(holding);
        self.changed();
    }

    async fn hand_back_waiting(&self, queue: &Queue) {
        let waiting = self.holding.lock().take_waiting();
        if waiting.is_empty() {
            return;
        }
        let releases =
            waiting.into_iter().map(|delivery| Settlement::Release(delivery.entry_id, delivery.delivery_count, false));
        self.send_settlements(queue, releases.collect()).await;
        self.changed();
    }
}

/// What a start record names: each delivery's entry and count.
pub(super) fn start_records(batch: &[Delivery]) -> Vec<(EntryId, u64)> {
    batch.iter().map(|delivery| (delivery.entry_id.clone(), delivery.delivery_count)).collect()
}
