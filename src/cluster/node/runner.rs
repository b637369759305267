//! The running side: deliveries become the pool's tasks, and their
//! outcomes go back as fenced acknowledgements.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::mpsc;

use super::holding::{is_suspect, Holding};
use super::starter::start_records;
use super::{next_batch, waiting, Held, Settlement, Shared, Started, BACKOFF, READ_BLOCK};
use crate::cluster::queue::{Queue, Read};
use crate::cluster::task::{Delivery, EntryId};

/// How much work a node reads ahead of its workers (`room`).
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
    /// Tasks for free workers start at once; the read-ahead waits unstarted
    /// for the starter. A node with no free worker waits for one rather than
    /// block on an empty queue for read-ahead: an idle node gets what comes.
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
            let changed = self.readable.notified();
            let (start, ahead) = self.to_read();
            if start + ahead == 0 {
                tokio::select! {
                    _ = changed => continue,
                    _ = stop.wait_for(|stopped| *stopped) => return,
                }
            }
            let read = tokio::select! {
                read = queue.read(start, ahead, READ_BLOCK) => read,
                _ = stop.wait_for(|stopped| *stopped) => return,
            };
            match read {
                Ok(read) => {
                    failures = 0;
                    let nothing = read.started.is_empty() && read.waiting.is_empty();
                    self.hold_read(&queue, read).await;
                    if nothing && start == 0 {
                        tokio::select! {
                            _ = changed => {}
                            _ = stop.wait_for(|stopped| *stopped) => return,
                        }
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

    /// How many tasks to read now: (to start at once, to read ahead).
    /// Nothing while a suspect is held. A node with no free worker and work
    /// still waiting reads again only once half its read-ahead has gone, so
    /// that one read carries many tasks rather than one per task that ends.
    fn to_read(&self) -> (usize, usize) {
        let holding = self.holding.lock();
        if holding.isolating() {
            return (0, 0);
        }
        let room = self.room(holding.len());
        let start = holding.free_workers().min(room);
        let ahead = room - start;
        if start == 0 && holding.waiting() > 0 && ahead < self.read_ahead() / 2 {
            return (0, 0);
        }
        (start, ahead)
    }

    /// How many more tasks this node may hold: one per worker slot, plus
    /// its `read_ahead`.
    fn room(&self, held: usize) -> usize {
        (self.capacity + self.read_ahead()).saturating_sub(held)
    }

    /// About `READ_AHEAD` of work when tasks end often. Long tasks get none,
    /// so that an idle node takes what a busy one could not start; tiny ones
    /// get enough that a worker which finishes starts its next task after
    /// one short round trip (recording its start), and that one read and one
    /// wake-up carry many tasks instead of each waiting for a read.
    fn read_ahead(&self) -> usize {
        let interval = self.completion_interval_us.load(Ordering::Relaxed).max(1);
        (READ_AHEAD.as_micros() as u64 / interval).min((MOST_READ_AHEAD * self.capacity) as u64) as usize
    }

    /// How many tasks this node may take from others now: (fresh ones,
    /// suspects). A node takes one suspect at a time, and nothing while it
    /// holds one: a suspect runs alone. What it takes waits unstarted, in
    /// priority order with its read-ahead, and starts before anything read
    /// later; so a busy node takes too, up to its `room` once more, or the
    /// work of a dead node would wait behind every new task. A read in
    /// flight (a blocking one lasts up to `READ_BLOCK`) does not count.
    pub(super) fn claimable(&self) -> (usize, usize) {
        let paused = self.paused_until.lock().is_some_and(|until| until > Instant::now());
        if self.capacity == 0 || paused || self.reading_stopped.load(Ordering::Acquire) {
            return (0, 0);
        }
        let holding = self.holding.lock();
        if holding.isolating() {
            return (0, 0);
        }
        ((2 * self.room(0)).saturating_sub(holding.held()), 1)
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

    /// Takes what a read gave this node: what it read to start goes to the
    /// pool now, unless a suspect came meanwhile (it runs alone): then it
    /// goes back to the queue at once, uncharged. The read-ahead waits for
    /// the starter.
    async fn hold_read(&self, queue: &Queue, read: Read) {
        let settled = {
            let mut holding = self.holding.lock();
            let settled = if holding.isolating() {
                read.started.into_iter().map(|d| Settlement::Release(d.entry_id, d.delivery_count, false)).collect()
            } else {
                self.start_in_pool(&mut holding, read.started)
            };
            holding.wait(read.waiting);
            settled
        };
        self.changed();
        self.send_settlements(queue, settled).await;
    }

    /// Takes what a claim or a take-back gave this node: it waits, unstarted,
    /// for the starter.
    pub(super) fn hold_taken(&self, deliveries: Vec<Delivery>) {
        let again = deliveries.iter().filter(|delivery| delivery.delivery_count > 1).count();
        self.redelivered.fetch_add(again as u64, Ordering::Relaxed);
        if !deliveries.is_empty() {
            self.holding.lock().wait(deliveries);
            self.changed();
        }
    }

    /// Hands deliveries whose start is recorded to the pool; returns what
    /// becomes of those it does not run. One the pool refuses is
    /// acknowledged with its refusal; one it declines (closing) goes back to
    /// the queue uncharged; one no worker can start goes back charged, and
    /// the node reads nothing for a while.
    pub(super) fn start_in_pool(&self, holding: &mut Holding, deliveries: Vec<Delivery>) -> Vec<Settlement> {
        let mut settled = Vec::new();
        for delivery in deliveries {
            let (entry, delivery_count) = (delivery.entry_id.clone(), delivery.delivery_count);
            match self.host.start(delivery) {
                Started::Running(local) => {
                    holding.run(local, Held { entry, delivery_count, suspect: is_suspect(delivery_count) });
                }
                Started::Refused(outcome) => settled.push(Settlement::Ack(entry, delivery_count, outcome)),
                Started::Declined => settled.push(Settlement::Release(entry, delivery_count, false)),
                Started::Unavailable => {
                    *self.paused_until.lock() = Some(Instant::now() + PAUSE_WHEN_UNAVAILABLE);
                    settled.push(Settlement::Release(entry, delivery_count, true));
                }
            }
        }
        settled
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
            self.settle_and_start(&queue, batch).await;
        }
        let last = waiting(&mut acks);
        if !last.is_empty() {
            let (acks, releases) = split(last);
            let both = async { tokio::join!(queue.ack_batch(&acks), queue.release_batch(&releases)) };
            let _ = tokio::time::timeout(self.options.connect_timeout, both).await;
        }
        self.acks_flushed.notify_one();
    }

    /// Sends settlements, and records in the same call the start of what the
    /// slots they free may start now (`Queue::settle`): a worker that ends a
    /// task starts its next one after a single round trip. If the call
    /// fails, those starts wait again (the starter retries them) and the
    /// settlements go out as usual; both are fenced, so repeating either
    /// changes nothing.
    async fn settle_and_start(&self, queue: &Queue, batch: Vec<Settlement>) {
        let starts =
            if self.reading_stopped.load(Ordering::Acquire) { Vec::new() } else { self.holding.lock().next_to_start() };
        if starts.is_empty() {
            return self.send_settlements(queue, batch).await;
        }
        let (acks, releases) = split(batch);
        match queue.settle(&acks, &start_records(&starts)).await {
            Ok((_, ours)) => {
                self.start_recorded(queue, starts, ours).await;
                self.send_split(queue, Vec::new(), releases).await;
            }
            Err(_) => {
                self.start_not_recorded(starts);
                self.send_split(queue, acks, releases).await;
            }
        }
    }

    /// Sends acknowledgements and hand-backs, retrying through outages until
    /// they are answered or the node stops. A stale one is dropped: the task
    /// is another node's now.
    pub(super) async fn send_settlements(&self, queue: &Queue, batch: Vec<Settlement>) {
        if batch.is_empty() {
            return;
        }
        let (acks, releases) = split(batch);
        self.send_split(queue, acks, releases).await;
    }

    /// `send_settlements`, split.
    async fn send_split(&self, queue: &Queue, acks: Vec<(EntryId, u64, Vec<u8>)>, releases: Vec<(EntryId, u64, bool)>) {
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
