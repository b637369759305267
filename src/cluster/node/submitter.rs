//! The submitting side: tasks go to Redis in one batch per wake-up, and
//! their outcomes come back on this node's result stream.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;

use super::{next_batch, waiting, ClusterResult, ResultKind, Shared, BACKOFF, READ_BLOCK};
use crate::cluster::error::ClusterError;
use crate::cluster::queue::Queue;
use crate::cluster::results::{ResultRecord, TaskOutcome};
use crate::cluster::task::{EntryId, NewClusterTask};

/// Most tasks per batch: a bigger backlog goes out in several round trips.
const MOST_PER_BATCH: usize = 4096;
/// Result records read before they are trimmed from the stream: a trim
/// per read would cost a round trip per few results under load.
const TRIM_EVERY: usize = 512;
/// With this many tasks awaited, the results loop gathers for `GATHER`
/// after each read before the next.
const GATHER_WHEN_AWAITED: usize = 64;
const GATHER: Duration = Duration::from_millis(1);
/// Outstanding tasks audited per heartbeat: 100,000 are all looked at
/// within 100 heartbeats, for a few ms of Redis time each.
const AUDITED_PER_HEARTBEAT: usize = 1000;

impl Shared {
    /// Every task submitted since the last batch went out goes out together:
    /// under load, one round trip carries many tasks. Once the node stops,
    /// `submissions_flushed` tells `leave` the last ones went out.
    pub(super) async fn submit_loop(self: Arc<Self>, mut submissions: mpsc::UnboundedReceiver<NewClusterTask>) {
        let mut stop = self.stop.subscribe();
        while let Some(batch) = next_batch(&mut submissions, &mut stop, MOST_PER_BATCH).await {
            self.submit(batch).await;
        }
        // Stopped: what was submitted before still goes to the queue (its
        // promises have ended; the tasks run all the same), once.
        let last = waiting(&mut submissions);
        if !last.is_empty() {
            if let Some(queue) = self.queue.get() {
                let _ = tokio::time::timeout(self.options.connect_timeout, queue.submit_batch(&last)).await;
            }
        }
        self.submissions_flushed.notify_one();
    }

    async fn submit(&self, batch: Vec<NewClusterTask>) {
        let deadline = self.options.connect_timeout;
        let queue = self.queue_within(deadline).await;
        let Some(queue) = queue else {
            let why = self.unavailable(None);
            return batch.iter().for_each(|task| self.finish(task.task_id, ResultKind::Unavailable, &why));
        };
        // A reply that does not come within the connect timeout is an outage.
        // The tasks may have reached Redis all the same: they may run, and
        // their outcomes are then ignored (each task settles once).
        let ids = match tokio::time::timeout(deadline, queue.submit_batch(&batch)).await {
            Ok(Ok(ids)) => ids,
            Ok(Err(error)) => {
                let why = self.unavailable(Some(&error));
                return batch.iter().for_each(|task| self.finish(task.task_id, ResultKind::Unavailable, &why));
            }
            Err(_) => {
                let why = format!("Redis did not take the tasks within {deadline:?}");
                return batch.iter().for_each(|task| self.finish(task.task_id, ResultKind::Unavailable, &why));
            }
        };
        let (mut aborted, mut refused) = (Vec::new(), Vec::new());
        {
            let mut outstanding = self.outstanding.lock();
            let mut epochs: Vec<Arc<str>> = Vec::new();
            for (task, id) in batch.iter().zip(ids) {
                match (id, outstanding.get_mut(&task.task_id)) {
                    (Some(id), Some(entry)) => {
                        if !epochs.contains(&id.epoch) {
                            epochs.push(id.epoch.clone());
                        }
                        *entry = Some(id)
                    }
                    // Aborted (or already ended) while on its way.
                    (Some(id), None) => aborted.push(id.entry),
                    (None, _) => refused.push(task.task_id),
                }
            }
            // Read after the entries are in, under their lock: a heartbeat
            // that sees a new epoch either finds them in its look, or its
            // change is seen here and the next heartbeat looks again.
            let known = self.queue_epoch.lock().clone();
            if epochs.iter().any(|epoch| known.as_ref() != Some(epoch)) {
                self.epoch_recheck.store(true, Ordering::Release);
            }
        }
        for task_id in refused {
            self.finish(task_id, ResultKind::QueueFull, "the queue's backlog is full");
        }
        for entry in aborted {
            let _ = queue.abort(&entry).await;
        }
    }

    /// Tells the queue a submitter gave up on a task.
    pub(super) async fn abort_entry(self: Arc<Self>, entry: EntryId) {
        if let Some(queue) = self.queue.get() {
            let _ = queue.abort(&entry).await;
        }
    }

    /// Reads this node's result stream for as long as the node lives; each
    /// task's first result is reported, later ones dropped.
    pub(super) async fn results_loop(self: Arc<Self>) {
        let Some(queue) = self.queue().await else { return };
        let mut stop = self.stop.subscribe();
        let mut failures = 0;
        let mut untrimmed = 0;
        loop {
            let read = tokio::select! {
                read = queue.read_results(READ_BLOCK) => read,
                _ = stop.wait_for(|stopped| *stopped) => return,
            };
            match read {
                Ok(records) => {
                    failures = 0;
                    let Some(last) = records.last().map(|record| record.id.clone()) else { continue };
                    untrimmed += records.len();
                    let results = self.first_results(records);
                    self.report(results);
                    queue.results_reported(&last);
                    // Read records go in one trim per TRIM_EVERY of them,
                    // and all once nothing is awaited.
                    let awaited = self.outstanding.lock().len();
                    if untrimmed >= TRIM_EVERY || awaited == 0 {
                        untrimmed = 0;
                        let queue = queue.clone();
                        tokio::spawn(async move { queue.trim_results(&last).await });
                    }
                    // Under load, results come a few per read: waiting a
                    // moment lets the next read (and wake-up of the main
                    // thread) carry many. A task awaited alone never waits.
                    if awaited >= GATHER_WHEN_AWAITED && self.sleep_or_stop(GATHER).await {
                        return;
                    }
                }
                Err(_) => {
                    failures += 1;
                    if self.sleep_or_stop(BACKOFF.delay(failures)).await {
                        return;
                    }
                }
            }
        }
    }

    /// Redis lost the queue (its epoch changed): the tasks handed over
    /// before are gone, and no node will ever report them.
    pub(super) fn forget_lost_epoch(&self, current: &Arc<str>) {
        let previous = self.queue_epoch.lock().replace(current.clone());
        let changed = previous.as_ref().is_some_and(|previous| previous != current);
        if !changed && !self.epoch_recheck.swap(false, Ordering::AcqRel) {
            return;
        }
        let lost: Vec<u64> = {
            let outstanding = self.outstanding.lock();
            let lost =
                outstanding.iter().filter(|(_, submitted)| submitted.as_ref().is_some_and(|s| s.epoch != *current));
            lost.map(|(task_id, _)| *task_id).collect()
        };
        let why =
            "Redis lost the queue (it restarted without persistence, failed over, was flushed, or a key of the queue was deleted or evicted): the task is gone";
        for task_id in lost {
            self.finish(task_id, ResultKind::Lost, why);
        }
    }

    /// Looks, a slice per heartbeat and round in task order, at the tasks
    /// this node awaits, so that one deleted from Redis before any node
    /// read it is reported lost rather than awaited for ever (`audit.lua`).
    pub(super) async fn audit(&self, queue: &Queue) -> Result<(), ClusterError> {
        let unreported_from = queue.unreported_results_from();
        let slice: Vec<(u64, EntryId)> = {
            let outstanding = self.outstanding.lock();
            let from = self.audit_from.load(Ordering::Relaxed);
            let slice: Vec<(u64, EntryId)> = outstanding
                .range(from..)
                .filter_map(|(task_id, submitted)| Some((*task_id, submitted.as_ref()?.entry.clone())))
                .take(AUDITED_PER_HEARTBEAT)
                .collect();
            let next = match slice.last() {
                Some((last, _)) if slice.len() == AUDITED_PER_HEARTBEAT => last + 1,
                _ => 0,
            };
            self.audit_from.store(next, Ordering::Relaxed);
            slice
        };
        let entries: Vec<EntryId> = slice.iter().map(|(_, entry)| entry.clone()).collect();
        let audited = queue.audit(&unreported_from, &entries).await?;
        let deleted = "the queue lost the task (its entry was deleted from Redis before any node read it)";
        let result_lost = "the queue lost the task's result (it ran, but its record was deleted from Redis, or \
             expired, before this node read it)";
        for (task_id, entry) in &slice {
            if audited.deleted.contains(entry) {
                self.finish(*task_id, ResultKind::Lost, deleted);
            } else if audited.results_lost.contains(entry) {
                self.finish(*task_id, ResultKind::Lost, result_lost);
            }
        }
        Ok(())
    }

    /// The records of tasks still awaiting a result, as results.
    fn first_results(&self, records: Vec<ResultRecord>) -> Vec<ClusterResult> {
        let mut outstanding = self.outstanding.lock();
        records
            .into_iter()
            .filter(|record| outstanding.remove(&record.task_id).is_some())
            .map(|record| {
                let (kind, deliveries, body) = match record.outcome {
                    TaskOutcome::Done { deliveries, body } => (ResultKind::Done, deliveries, body),
                    TaskOutcome::DeliveryLimit { deliveries } => (ResultKind::DeliveryLimit, deliveries, Vec::new()),
                    TaskOutcome::Lost => (ResultKind::Lost, 0, Vec::new()),
                    TaskOutcome::Invalid { reason } => (ResultKind::Invalid, 0, reason.into_bytes()),
                };
                ClusterResult { task_id: record.task_id, kind, deliveries, by: record.by, body }
            })
            .collect()
    }
}
