//! The running side: deliveries become the pool's tasks, and their
//! outcomes go back as fenced acknowledgements.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::mpsc;

use super::{next_batch, waiting, Held, Settlement, Shared, Started, BACKOFF, READ_BLOCK};
use crate::cluster::queue::Queue;
use crate::cluster::task::{Delivery, EntryId};

/// How much work a node reads ahead of its workers (`free_slots`).
const READ_AHEAD: Duration = Duration::from_millis(10);
/// At most this many tasks per worker slot are read ahead.
const MOST_READ_AHEAD: usize = 16;

/// Most acknowledgements per batch.
const MOST_ACKS_PER_BATCH: usize = 4096;

/// How long a node whose workers cannot start reads nothing.
const PAUSE_WHEN_UNAVAILABLE: Duration = Duration::from_secs(1);

impl Shared {
    /// Reads as many tasks as there are free slots, waiting for a slot when
    /// there is none: a busy node leaves the queue's work to the others.
    pub(super) async fn read_loop(self: Arc<Self>) {
        let Some(queue) = self.queue().await else { return };
        let mut stop = self.stop.subscribe();
        let mut failures = 0;
        loop {
            if self.reading_stopped.load(Ordering::Acquire) {
                return;
            }
            let paused = self.paused_until.lock().and_then(|until| until.checked_duration_since(Instant::now()));
            if let Some(pause) = paused {
                if self.sleep_or_stop(pause).await {
                    return;
                }
                continue;
            }
            let slot_freed = self.slot_freed.notified();
            let free = self.free_slots();
            if free == 0 {
                tokio::select! {
                    _ = slot_freed => continue,
                    _ = stop.wait_for(|stopped| *stopped) => return,
                }
            }
            let read = tokio::select! {
                read = queue.read(free, READ_BLOCK) => read,
                _ = stop.wait_for(|stopped| *stopped) => return,
            };
            match read {
                Ok(deliveries) => {
                    failures = 0;
                    self.start_all(&queue, deliveries).await;
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

    /// How many more tasks this node may take: one per worker slot, plus a
    /// read-ahead of about `READ_AHEAD` of work when tasks end often. Long
    /// tasks get none, so that an idle node takes what a busy one could not
    /// start; tiny ones get enough that a worker which finishes starts its
    /// next task at once, and that one read and one wake-up carry many
    /// tasks instead of each waiting for a round trip to Redis.
    pub(super) fn free_slots(&self) -> usize {
        let interval = self.completion_interval_us.load(Ordering::Relaxed).max(1);
        let read_ahead = (READ_AHEAD.as_micros() as u64 / interval).min((MOST_READ_AHEAD * self.capacity) as u64);
        (self.capacity + read_ahead as usize).saturating_sub(self.held.lock().len())
    }

    /// A held task ended: the interval since the previous one joins the
    /// moving average (weight 1/8). An idle spell counts, so that after it
    /// the node reads ahead less until tasks come quickly again.
    pub(super) fn record_completion(&self) {
        let now = self.epoch.elapsed().as_micros().min(u64::MAX as u128 - 1) as u64;
        let previous = self.last_completion_us.swap(now, Ordering::Relaxed);
        if previous == u64::MAX {
            return;
        }
        let sample = now.saturating_sub(previous);
        let _ = self.completion_interval_us.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |average| {
            Some(if average == u64::MAX { sample } else { average - average / 8 + sample / 8 })
        });
    }

    /// Hands deliveries to the pool. One the pool refuses is acknowledged
    /// with its refusal; one it declines (closing) stays this node's until
    /// it leaves, and is then taken back by another.
    pub(super) async fn start_all(&self, queue: &Queue, deliveries: Vec<Delivery>) {
        let mut settled = Vec::new();
        {
            let mut held = self.held.lock();
            for delivery in deliveries {
                let (entry, delivery_count) = (delivery.entry_id.clone(), delivery.delivery_count);
                match self.host.start(delivery) {
                    Started::Running(local) => {
                        held.insert(local, Held { entry, delivery_count });
                    }
                    Started::Refused(outcome) => settled.push(Settlement::Ack(entry, delivery_count, outcome)),
                    Started::Declined => settled.push(Settlement::Release(entry, delivery_count, false)),
                    Started::Unavailable => {
                        *self.paused_until.lock() = Some(Instant::now() + PAUSE_WHEN_UNAVAILABLE);
                        settled.push(Settlement::Release(entry, delivery_count, true));
                    }
                }
            }
        }
        if !settled.is_empty() {
            self.send_settlements(queue, settled).await;
        }
    }

    /// Sends the acknowledgements made since the last batch went out, all
    /// together; through an outage, they wait and go out once Redis is back.
    /// Once the node stops, what is still queued gets one attempt, and then
    /// `acks_flushed` tells `leave` it may go.
    pub(super) async fn ack_loop(self: Arc<Self>, mut acks: mpsc::UnboundedReceiver<Settlement>) {
        let Some(queue) = self.queue().await else {
            self.acks_flushed.notify_one();
            return;
        };
        let mut stop = self.stop.subscribe();
        while let Some(batch) = next_batch(&mut acks, &mut stop, MOST_ACKS_PER_BATCH).await {
            self.send_settlements(&queue, batch).await;
        }
        let last = waiting(&mut acks);
        if !last.is_empty() {
            let (acks, releases) = split(last);
            let both = async { tokio::join!(queue.ack_batch(&acks), queue.release_batch(&releases)) };
            let _ = tokio::time::timeout(self.options.connect_timeout, both).await;
        }
        self.acks_flushed.notify_one();
    }

    /// Sends acknowledgements and hand-backs, retrying through outages until
    /// they are answered or the node stops. A stale one is dropped: the task
    /// is another node's now.
    async fn send_settlements(&self, queue: &Queue, batch: Vec<Settlement>) {
        let (acks, releases) = split(batch);
        let mut failures = 0;
        while queue.ack_batch(&acks).await.is_err() {
            failures += 1;
            if self.sleep_or_stop(BACKOFF.delay(failures)).await {
                return;
            }
        }
        while queue.release_batch(&releases).await.is_err() {
            failures += 1;
            if self.sleep_or_stop(BACKOFF.delay(failures)).await {
                return;
            }
        }
    }
}

/// Acknowledgements and hand-backs, apart.
type Split = (Vec<(EntryId, u64, Vec<u8>)>, Vec<(EntryId, u64, bool)>);

fn split(settlements: Vec<Settlement>) -> Split {
    let (mut acks, mut releases) = (Vec::new(), Vec::new());
    for settlement in settlements {
        match settlement {
            Settlement::Ack(entry, count, outcome) => acks.push((entry, count, outcome)),
            Settlement::Release(entry, count, charge) => releases.push((entry, count, charge)),
        }
    }
    (acks, releases)
}
