//! Every heartbeat: this node's heartbeat, recovery of the work of nodes
//! that stopped, renewal of what this node runs, and the queue's figures.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use super::{Shared, BACKOFF};
use crate::cluster::queue::Queue;
use crate::cluster::task::EntryId;

impl Shared {
    pub(super) async fn upkeep_loop(self: Arc<Self>) {
        let Some(queue) = self.queue().await else { return };
        let mut failures = 0;
        loop {
            let pause = match self.upkeep(&queue).await {
                Ok(()) => {
                    failures = 0;
                    self.options.heartbeat
                }
                Err(_) => {
                    failures += 1;
                    BACKOFF.delay(failures).min(self.options.heartbeat)
                }
            };
            if self.sleep_or_stop(pause).await {
                return;
            }
        }
    }

    async fn upkeep(&self, queue: &Queue) -> Result<(), crate::cluster::error::ClusterError> {
        let epoch = queue.heartbeat().await?;
        self.forget_lost_epoch(&epoch);
        // What dead nodes held first: it has waited longest.
        let free = self.claimable();
        if free > 0 {
            let taken = queue.take_back_dead_nodes(free).await?;
            self.start_all(queue, taken.deliveries).await;
        }
        let free = self.claimable();
        if free > 0 {
            let claimed = queue.claim_idle(free).await?;
            self.start_all(queue, claimed.deliveries).await;
        }
        self.renew(queue).await?;
        *self.stats.lock() = Some(queue.stats().await?);
        Ok(())
    }

    /// How many tasks this node may claim now: none once it stops reading
    /// or while no worker can start here.
    fn claimable(&self) -> usize {
        let paused = self.paused_until.lock().is_some_and(|until| until > std::time::Instant::now());
        if self.capacity == 0 || paused || self.reading_stopped.load(Ordering::Acquire) {
            return 0;
        }
        self.free_slots()
    }

    /// Keeps what this node runs its own, and stops what its submitters
    /// aborted and what another node has taken (its outcome would be
    /// refused: the slot is better used).
    async fn renew(&self, queue: &Queue) -> Result<(), crate::cluster::error::ClusterError> {
        let entries: Vec<EntryId> = self.held.lock().values().map(|held| held.entry.clone()).collect();
        let renewed = queue.renew(&entries).await?;
        if renewed.aborted.is_empty() && renewed.gone.is_empty() {
            return Ok(());
        }
        let locals: Vec<u64> = {
            let held = self.held.lock();
            let stop = |held: &&crate::cluster::node::Held| {
                renewed.aborted.contains(&held.entry) || renewed.gone.contains(&held.entry)
            };
            held.iter().filter(|(_, held)| stop(held)).map(|(local, _)| *local).collect()
        };
        for local in locals {
            self.host.abort(local);
        }
        Ok(())
    }
}
