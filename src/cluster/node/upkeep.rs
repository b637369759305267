//! Every heartbeat: this node's heartbeat, renewal of what it holds,
//! recovery of the work of nodes that stopped, an audit of what it awaits,
//! and the queue's figures.

use std::sync::Arc;

use super::{Shared, BACKOFF};
use crate::cluster::error::ClusterError;
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

    /// Each step runs whatever became of the others: a step that fails (a
    /// key of the wrong type, a script refused) must not leave this node's
    /// tasks unrenewed, to be claimed and run twice, nor a dead node's
    /// tasks untaken. The first error is the upkeep's.
    async fn upkeep(&self, queue: &Queue) -> Result<(), ClusterError> {
        let mut first_error = None;
        let mut note = |result: Result<(), ClusterError>| {
            if let Err(error) = result {
                first_error.get_or_insert(error);
            }
        };
        note(queue.heartbeat().await.map(|epoch| self.forget_lost_epoch(&epoch)));
        // What this node holds before any claim: after a stall of its own
        // (an overloaded machine, a slow Redis) its entries look idle too,
        // and claiming them would charge a task it is running and start it
        // again.
        note(self.renew(queue).await);
        // What dead nodes held first: it has waited longest.
        note(self.take_back(queue).await);
        note(self.claim_idle(queue).await);
        note(self.audit(queue).await);
        note(queue.stats().await.map(|stats| *self.stats.lock() = Some(stats)));
        first_error.map_or(Ok(()), Err)
    }

    /// A node that only submits takes nothing back, but still forgets the
    /// dead nodes that hold nothing: a fleet of submitters alone would
    /// otherwise keep every dead one for good.
    async fn take_back(&self, queue: &Queue) -> Result<(), ClusterError> {
        let (fresh, suspects) = self.claimable();
        if fresh + suspects > 0 || self.capacity == 0 {
            let taken = queue.take_back_dead_nodes(fresh, suspects).await?;
            self.hold_taken(taken.deliveries);
        }
        Ok(())
    }

    async fn claim_idle(&self, queue: &Queue) -> Result<(), ClusterError> {
        let (fresh, suspects) = self.claimable();
        if fresh + suspects > 0 {
            let claimed = queue.claim_idle(fresh, suspects).await?;
            self.hold_taken(claimed.deliveries);
        }
        Ok(())
    }

    /// Keeps what this node holds its own, and stops what its submitters
    /// aborted and what another node has taken (its outcome would be
    /// refused: the slot is better used). A waiting task another node has
    /// taken is forgotten; one aborted will not run.
    async fn renew(&self, queue: &Queue) -> Result<(), ClusterError> {
        let entries: Vec<EntryId> = self.holding.lock().entries();
        let renewed = queue.renew(&entries).await?;
        if renewed.aborted.is_empty() && renewed.gone.is_empty() {
            return Ok(());
        }
        let locals: Vec<u64> = {
            let mut holding = self.holding.lock();
            holding.forget_waiting(&renewed.gone);
            holding.abort_waiting(&renewed.aborted);
            let stop: Vec<EntryId> = renewed.aborted.iter().chain(&renewed.gone).cloned().collect();
            holding.running_among(&stop)
        };
        for local in locals {
            self.host.abort(local);
        }
        self.changed();
        Ok(())
    }
}
