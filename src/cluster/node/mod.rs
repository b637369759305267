//! One pool's membership of a queue: the loops that submit, read, run,
//! acknowledge, renew and recover, on the pool's own tokio runtime.
//!
//! The node knows nothing of napi nor of the core: its host (the binding)
//! starts a delivered task on the pool's workers and is rung when results
//! wait. A delivered task is an ordinary task of the pool; the host reports
//! its settlement back here (`release`, then `acknowledge`), and the node
//! acknowledges it, fenced, in batches.
//!
//! Loops (each stops on `dispose`):
//! - `submitter`: one `submit_batch` per wake-up for every `submit` since the
//!   last, and a blocking read of this node's result stream, deduplicated by
//!   task id.
//! - `runner`: reads with `COUNT` = free slots (back-pressure): tasks for
//!   its free workers start at once, a short read-ahead waits unstarted;
//!   and the acknowledgements, batched per wake-up and retried through
//!   outages.
//! - `starter`: starts waiting tasks as slots free up, once Redis has
//!   recorded their start (so that a task that kills its node is charged a
//!   delivery and the tasks it never started are not), a suspect alone
//!   (`holding`).
//! - `upkeep`: every heartbeat, the heartbeat itself, renewals of what this
//!   node holds (and aborts its submitters asked for), take-back of dead
//!   nodes, idle claims, an audit of the tasks it awaits, and the figures
//!   for `stats().cluster`.

mod failure;
mod holding;
mod runner;
mod starter;
mod submitter;
mod upkeep;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use parking_lot::Mutex;
use tokio::sync::{mpsc, watch, Notify};

use super::error::ClusterError;
use super::options::ClusterOptions;
use super::queue::Queue;
use super::queue::Submitted;
use super::runtime::ClusterRuntime;
use super::stats::ClusterStats;
use super::task::{Delivery, EntryId, NewClusterTask};
use crate::core::Backoff;
use holding::Holding;

/// What the node asks of the pool it belongs to. Called from the node's
/// runtime thread; none of it may block.
pub trait NodeHost: Send + Sync + 'static {
    /// Runs a delivered task on this node's workers.
    fn start(&self, delivery: Delivery) -> Started;
    /// Stops a task `start` began (its submitter aborted it).
    fn abort(&self, local: u64);
    /// Results (or the node's departure) wait in `take_results`.
    fn ring(&self);
}

/// What became of a delivery handed to the host.
pub enum Started {
    /// Running under this local id; its settlement comes back through `release`.
    Running(u64),
    /// Not run: acknowledge it at once with this outcome (it was aborted, or
    /// this node cannot run anything).
    Refused(Vec<u8>),
    /// Not run: the pool is closing. It goes back to the queue at once,
    /// not charged a delivery.
    Declined,
    /// Not run: no worker can start on this node. It goes back to the queue
    /// at once, charged a delivery (a task that no node can start ends in
    /// the dead letters), and the node reads nothing for a while.
    Unavailable,
}

/// What becomes of a task this node held, in the order decided.
pub(super) enum Settlement {
    /// Its outcome, for its submitter.
    Ack(EntryId, u64, Vec<u8>),
    /// Back to the queue, for another node; `true` charges the delivery.
    Release(EntryId, u64, bool),
}

/// Why a submitter's task ended, besides a node's outcome.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResultKind {
    /// A node ran it; the body is its outcome (opaque).
    Done = 0,
    /// Delivered `maxDeliveries` times without an outcome: dead-lettered.
    DeliveryLimit = 1,
    /// Its entry was deleted while a node held it.
    Lost = 2,
    /// Dead-lettered as not a valid task; the body says why.
    Invalid = 3,
    /// Redis could not take it; the body says why.
    Unavailable = 4,
    /// The queue's backlog was at `maxQueue`.
    QueueFull = 5,
}

/// The end of one of this node's submitted tasks, reported once.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClusterResult {
    pub task_id: u64,
    pub kind: ResultKind,
    pub deliveries: u64,
    /// The node that reported it (empty for this node's own verdicts).
    pub by: String,
    pub body: Vec<u8>,
}

/// A task this node has started, by its local id.
#[derive(Clone, Debug)]
pub struct Held {
    pub entry: EntryId,
    pub delivery_count: u64,
    /// Charged a delivery before: it runs alone (see `holding`).
    pub suspect: bool,
}

/// A task to submit: the id is the node's.
pub struct Submission {
    pub handler: String,
    pub payload: Vec<u8>,
    pub timeout_ms: Option<u64>,
    pub retries: u32,
    pub priority: i32,
}

/// The state every loop shares.
struct Shared {
    id: String,
    url: String,
    queue_name: String,
    options: ClusterOptions,
    /// Free worker slots when nothing is held: workers x tasks per worker.
    capacity: usize,
    host: Arc<dyn NodeHost>,
    /// Set once connected; the command connection reconnects by itself after.
    queue: OnceLock<Arc<Queue>>,
    connected: Notify,
    /// Rung each time a connection attempt fails: a submission waiting for
    /// the connection fails at once rather than at its deadline.
    attempt_failed: Notify,
    /// Why the last connection attempt failed, for `ClusterUnavailableError`.
    last_error: Mutex<Option<String>>,
    /// Becomes true on `dispose`: every loop ends.
    stop: watch::Sender<bool>,
    /// No new deliveries are read (`close` or `dispose`).
    reading_stopped: AtomicBool,
    next_task: AtomicU64,
    /// Task id -> its entry, once submitted, for tasks awaiting their result.
    outstanding: Mutex<BTreeMap<u64, Option<Submitted>>>,
    /// The task id the next audit of the outstanding tasks starts from.
    audit_from: AtomicU64,
    submissions: mpsc::UnboundedSender<NewClusterTask>,
    /// The submit loop has handed over what was submitted before the node stopped.
    submissions_flushed: Notify,
    /// The queue's epoch as of the last heartbeat.
    queue_epoch: Mutex<Option<Arc<str>>>,
    /// A submission came back with an epoch other than `queue_epoch`: the
    /// next heartbeat looks at the outstanding tasks even if the epoch it
    /// sees has not changed (the submission may predate a loss it saw).
    epoch_recheck: AtomicBool,
    /// No reading before this (no worker can start here).
    paused_until: Mutex<Option<Instant>>,
    /// What this node holds, started or not; the lock is held across
    /// `NodeHost::start`, so that a settlement is never reported before its
    /// task is known.
    holding: Mutex<Holding>,
    /// Something waiting may start now (a slot freed, tasks came to wait).
    startable: Notify,
    /// Start records that failed in a row (Redis unreachable): the back-off.
    start_failures: AtomicU32,
    /// The time between two of this node's tasks ending (µs, a moving
    /// average; `u64::MAX` before the second): how much to read ahead.
    completion_interval_us: AtomicU64,
    /// When the last task ended, in µs since `epoch`.
    last_completion_us: AtomicU64,
    epoch: Instant,
    /// What this node holds has changed: the read loop may read again.
    readable: Notify,
    acks: mpsc::UnboundedSender<Settlement>,
    /// The ack loop has sent what it could after the node stopped.
    acks_flushed: Notify,
    results: Mutex<Vec<ClusterResult>>,
    /// Set once the node has left, cleared when the host is told.
    left: AtomicBool,
    /// Why the node stopped on its own (a panic, see `failure`).
    failed: Mutex<Option<String>>,
    /// The node's runtime, for work started off it (the panic hook).
    runtime: tokio::runtime::Handle,
    stats: Mutex<Option<ClusterStats>>,
    /// Deliveries taken here of tasks delivered before (to a node that died,
    /// or that gave them back): how much work failures cost.
    redelivered: AtomicU64,
}

/// A pool's node of a queue. Dropping it stops its loops and its runtime.
pub struct ClusterNode {
    shared: Arc<Shared>,
    runtime: Option<ClusterRuntime>,
}

/// How long a blocking read waits before looking around (stop, free slots).
const READ_BLOCK: Duration = Duration::from_millis(1000);
/// Reconnection and retry delays.
const BACKOFF: Backoff = Backoff { initial: Duration::from_millis(50), max: Duration::from_secs(2) };

impl ClusterNode {
    /// Starts the node's loops; it connects in the background (submissions
    /// wait for the connection up to `connect_timeout`).
    pub fn start(
        url: &str,
        queue: &str,
        options: ClusterOptions,
        capacity: usize,
        host: Arc<dyn NodeHost>,
    ) -> std::io::Result<ClusterNode> {
        let id = node_id();
        let runtime = ClusterRuntime::for_node(&id)?;
        let (submissions, submissions_rx) = mpsc::unbounded_channel();
        let (acks, acks_rx) = mpsc::unbounded_channel();
        let shared = Arc::new(Shared {
            id,
            url: url.to_string(),
            queue_name: queue.to_string(),
            options,
            capacity,
            host,
            queue: OnceLock::new(),
            connected: Notify::new(),
            attempt_failed: Notify::new(),
            last_error: Mutex::new(None),
            stop: watch::channel(false).0,
            reading_stopped: AtomicBool::new(false),
            next_task: AtomicU64::new(1),
            outstanding: Mutex::new(BTreeMap::new()),
            audit_from: AtomicU64::new(0),
            submissions,
            submissions_flushed: Notify::new(),
            queue_epoch: Mutex::new(None),
            epoch_recheck: AtomicBool::new(false),
            paused_until: Mutex::new(None),
            holding: Mutex::new(Holding::new(capacity)),
            startable: Notify::new(),
            start_failures: AtomicU32::new(0),
            completion_interval_us: AtomicU64::new(u64::MAX),
            last_completion_us: AtomicU64::new(u64::MAX),
            epoch: Instant::now(),
            readable: Notify::new(),
            acks,
            acks_flushed: Notify::new(),
            results: Mutex::new(Vec::new()),
            left: AtomicBool::new(false),
            failed: Mutex::new(None),
            runtime: runtime.handle(),
            stats: Mutex::new(None),
            redelivered: AtomicU64::new(0),
        });
        failure::watch(&shared);
        runtime.spawn(shared.clone().connect());
        runtime.spawn(shared.clone().submit_loop(submissions_rx));
        runtime.spawn(shared.clone().results_loop());
        runtime.spawn(shared.clone().ack_loop(acks_rx));
        runtime.spawn(shared.clone().upkeep_loop());
        if capacity > 0 {
            runtime.spawn(shared.clone().read_loop());
            runtime.spawn(shared.clone().start_loop());
        }
        Ok(ClusterNode { shared, runtime: Some(runtime) })
    }

    pub fn id(&self) -> &str {
        &self.shared.id
    }

    /// Hands a task to the queue; returns its id. Its end comes back once in
    /// `take_results`.
    pub fn submit(&self, submission: Submission) -> u64 {
        let shared = &self.shared;
        let task_id = shared.next_task.fetch_add(1, Ordering::Relaxed);
        shared.outstanding.lock().insert(task_id, None);
        let task = NewClusterTask {
            task_id,
            handler: submission.handler,
            payload: submission.payload,
            timeout_ms: submission.timeout_ms,
            retries: submission.retries,
            priority: submission.priority,
        };
        if let Some(why) = shared.failure() {
            shared.finish(task_id, ResultKind::Unavailable, &why);
        } else if shared.submissions.send(task).is_err() {
            shared.finish(task_id, ResultKind::Unavailable, "the pool has left the queue");
        }
        task_id
    }

    /// The submitter gave up on a task (it settles it itself): no result for
    /// it will be reported, and the queue is told (see `Queue::abort`).
    pub fn abort(&self, task_id: u64) {
        let entry = self.shared.outstanding.lock().remove(&task_id);
        if let (Some(Some(submitted)), Some(runtime)) = (entry, &self.runtime) {
            runtime.spawn(self.shared.clone().abort_entry(submitted.entry));
        }
        // Not submitted yet: the submit loop aborts it once it has an entry.
    }

    /// What settles the tasks this node runs, for any thread (see `Settler`).
    pub fn settler(&self) -> Settler {
        Settler { shared: self.shared.clone() }
    }

    /// Runs `task` on the node's runtime until it ends or the node stops
    /// (`task` is given the stop signal: true once stopped).
    pub fn spawn<F>(&self, task: impl FnOnce(watch::Receiver<bool>) -> F)
    where
        F: std::future::Future<Output = ()> + Send + 'static,
    {
        if let Some(runtime) = &self.runtime {
            runtime.spawn(task(self.shared.stop.subscribe()));
        }
    }

    /// Results waiting for the submitter, and whether the node has left
    /// (once, after `dispose`).
    pub fn take_results(&self) -> (Vec<ClusterResult>, bool) {
        let results = std::mem::take(&mut *self.shared.results.lock());
        (results, self.shared.left.swap(false, Ordering::AcqRel))
    }

    /// The queue's figures as of the last heartbeat.
    pub fn stats(&self) -> Option<ClusterStats> {
        self.shared.stats.lock().clone()
    }

    /// Deliveries this node has taken of tasks that had been delivered before.
    pub fn redelivered(&self) -> u64 {
        self.shared.redelivered.load(Ordering::Relaxed)
    }

    /// Tasks submitted and not yet settled.
    #[cfg(test)]
    pub fn outstanding(&self) -> usize {
        self.shared.outstanding.lock().len()
    }

    /// The entries this node holds, running or waiting to start.
    #[cfg(test)]
    pub fn held_entries(&self) -> Vec<EntryId> {
        self.shared.holding.lock().entries()
    }

    /// `close()`: no new deliveries; what runs runs on and is acknowledged,
    /// what waits unstarted goes back to the queue at once, uncharged.
    pub fn stop_reading(&self) {
        self.shared.reading_stopped.store(true, Ordering::Release);
        self.shared.changed();
    }

    /// `dispose()`, once the pool's last settlements are acknowledged: stops
    /// every loop, sends the acknowledgements already made, and leaves, so that the other nodes take back at once what this
    /// one still holds. The host is rung when done (`take_results`).
    pub fn dispose(&self) {
        self.stop_reading();
        if self.shared.stop.send_replace(true) {
            // Failed already: it is gone from the queue; say so.
            if self.shared.failure().is_some() {
                self.shared.left.store(true, Ordering::Release);
                self.shared.host.ring();
            }
            return;
        }
        if let Some(runtime) = &self.runtime {
            runtime.spawn(self.shared.clone().leave());
        }
    }
}

/// Settles the tasks a node runs, from any thread; holding one keeps the
/// node's state (not its runtime) alive.
#[derive(Clone)]
pub struct Settler {
    shared: Arc<Shared>,
}

impl Settler {
    /// A task this node was running has settled: what it held, if it was a
    /// delivery (else the task is the pool's own business).
    pub fn release(&self, local: u64) -> Option<Held> {
        let held = self.shared.holding.lock().ended(local);
        if held.is_some() {
            self.shared.record_completion();
            // The freed slot's next task starts with this one's settlement
            // (`acknowledge` or `hand_back` follows: see `settle_and_start`),
            // so the starter is not woken for it.
            self.shared.readable.notify_one();
        }
        held
    }

    /// Reports a released task's outcome to its submitter (fenced, batched).
    pub fn acknowledge(&self, held: Held, outcome: Vec<u8>) {
        let _ = self.shared.acks.send(Settlement::Ack(held.entry, held.delivery_count, outcome));
    }

    /// Gives a released task without an outcome back to the queue at once
    /// (its pool was disposed first, or could not start a worker for it);
    /// `charge`: count this delivery towards `maxDeliveries`.
    pub fn hand_back(&self, held: Held, charge: bool) {
        let _ = self.shared.acks.send(Settlement::Release(held.entry, held.delivery_count, charge));
    }
}

impl Drop for ClusterNode {
    fn drop(&mut self) {
        self.shared.stop.send_replace(true);
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

impl Shared {
    /// Connects, retrying with back-off until it succeeds or the node stops.
    async fn connect(self: Arc<Self>) {
        let mut failures = 0;
        loop {
            let mut options = self.options.clone();
            options.workers = self.capacity as u32;
            match Queue::connect(&self.url, &self.queue_name, &self.id, options).await {
                Ok(queue) => {
                    let _ = self.queue.set(Arc::new(queue));
                    self.connected.notify_waiters();
                    return;
                }
                Err(error) => {
                    *self.last_error.lock() = Some(error.reason());
                    self.attempt_failed.notify_waiters();
                    failures += 1;
                    if self.sleep_or_stop(BACKOFF.delay(failures)).await {
                        return;
                    }
                }
            }
        }
    }

    /// The queue, once connected; `None` if the node stops first.
    async fn queue(&self) -> Option<Arc<Queue>> {
        let mut stop = self.stop.subscribe();
        loop {
            let connected = self.connected.notified();
            if let Some(queue) = self.queue.get() {
                return Some(queue.clone());
            }
            tokio::select! {
                _ = connected => {}
                _ = stop.wait_for(|stopped| *stopped) => return None,
            }
        }
    }

    /// The queue, if connected within `deadline`; `None` as soon as a
    /// connection attempt fails (Redis refused or unreachable: say so now).
    async fn queue_within(&self, deadline: Duration) -> Option<Arc<Queue>> {
        if let Some(queue) = self.queue.get() {
            return Some(queue.clone());
        }
        let failed = self.attempt_failed.notified();
        tokio::select! {
            queue = tokio::time::timeout(deadline, self.queue()) => queue.ok().flatten(),
            _ = failed => self.queue.get().cloned(),
        }
    }

    /// Sleeps; true if the node stopped meanwhile.
    async fn sleep_or_stop(&self, duration: Duration) -> bool {
        let mut stop = self.stop.subscribe();
        tokio::select! {
            _ = tokio::time::sleep(duration) => self.stopped(),
            _ = stop.wait_for(|stopped| *stopped) => true,
        }
    }

    fn stopped(&self) -> bool {
        *self.stop.borrow()
    }

    /// What this node holds has changed: the read loop and the starter look again.
    fn changed(&self) {
        self.readable.notify_one();
        self.startable.notify_one();
    }

    /// Why Redis is unavailable, for a task that could not be handed over.
    fn unavailable(&self, error: Option<&ClusterError>) -> String {
        match error {
            Some(error) => error.reason(),
            None => match self.last_error.lock().clone() {
                Some(why) => why,
                None => format!("no connection within {:?}", self.options.connect_timeout),
            },
        }
    }

    /// Ends a submitted task with a verdict of this node; nothing if it has
    /// ended already (results are deduplicated by task id).
    fn finish(&self, task_id: u64, kind: ResultKind, why: &str) {
        if self.outstanding.lock().remove(&task_id).is_some() {
            let result =
                ClusterResult { task_id, kind, deliveries: 0, by: String::new(), body: why.as_bytes().to_vec() };
            self.report(vec![result]);
        }
    }

    /// Queues results for the host and rings it if they are the first.
    fn report(&self, results: Vec<ClusterResult>) {
        if results.is_empty() {
            return;
        }
        let was_empty = {
            let mut waiting = self.results.lock();
            let was_empty = waiting.is_empty();
            waiting.extend(results);
            was_empty
        };
        if was_empty {
            self.host.ring();
        }
    }

    /// Waits for the submissions and the acknowledgements already made to go
    /// out, then stops announcing this node, then tells the host.
    async fn leave(self: Arc<Self>) {
        let deadline = self.options.connect_timeout;
        let _ = tokio::time::timeout(deadline * 2, async {
            self.submissions_flushed.notified().await;
            self.acks_flushed.notified().await;
            if let Some(queue) = self.queue.get() {
                let _ = tokio::time::timeout(deadline, queue.leave()).await;
            }
        })
        .await;
        self.left.store(true, Ordering::Release);
        self.host.ring();
    }
}

/// A node id unique across machines and restarts: host, process, and 64
/// random bits.
fn node_id() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|name| name.trim().to_string())
        .filter(|name| !name.is_empty() && !name.contains(' '))
        .unwrap_or_else(|| "node".into());
    // Random (std seeds its hasher keys from the OS): in containers, host
    // name and pid repeat from one start to the next.
    let random = std::hash::BuildHasher::build_hasher(&std::collections::hash_map::RandomState::new());
    format!("{host}-{}-{:016x}", std::process::id(), std::hash::Hasher::finish(&random))
}

/// The next batch of a loop: waits for one item, then takes what else is
/// already waiting, up to `most` (so that one round trip carries everything
/// queued since the last). `None` once the node stops.
async fn next_batch<T>(
    items: &mut mpsc::UnboundedReceiver<T>,
    stop: &mut watch::Receiver<bool>,
    most: usize,
) -> Option<Vec<T>> {
    let first = tokio::select! {
        first = items.recv() => first,
        _ = stop.wait_for(|stopped| *stopped) => None,
    }?;
    let mut batch = vec![first];
    while batch.len() < most {
        match items.try_recv() {
            Ok(item) => batch.push(item),
            Err(_) => break,
        }
    }
    Some(batch)
}

/// What is still waiting in a channel, once its loop has stopped.
fn waiting<T>(items: &mut mpsc::UnboundedReceiver<T>) -> Vec<T> {
    let mut left = Vec::new();
    while let Ok(item) = items.try_recv() {
        left.push(item);
    }
    left
}
