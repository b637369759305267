//! A node that cannot go on.
//!
//! Nothing in a node ends its process: a lost lease stops the local copies
//! of what another node took (`upkeep`), a lost epoch fails the submitter's
//! own tasks (`forget_lost_epoch`), an outage is retried. A panic is what
//! remains. On the node's own thread (its loops, and the pool they call),
//! tokio would catch it and leave half a node: one still announcing itself
//! but no longer reading or starting, say, or reading while no longer
//! announced. In a call from JavaScript (the main thread, a worker's) it
//! ends the process: Rust cannot unwind into Node, so it aborts.
//!
//! So a panic fails the node it concerns (its own thread's, or every node
//! of the process for a panic anywhere else in this addon): the node says
//! why on stderr, stops every loop, stops what it runs, ends its own
//! submitters' tasks with `Unavailable`, and deletes its heartbeat before
//! anything else happens, so that the other nodes take back what it holds
//! at their next heartbeat (rather than three heartbeats later), under the
//! rules of a death: what it had started is charged a delivery (a task that
//! makes nodes panic is dead-lettered like one that kills them), what it
//! held unstarted is not.

use std::sync::atomic::Ordering;
use std::sync::mpsc;
use std::sync::{Arc, Once, Weak};
use std::time::{Duration, Instant};

use parking_lot::Mutex;

use super::{ResultKind, Shared};
use crate::cluster::runtime::NODE_THREAD;

/// The nodes of this process, for the panic hook.
static LIVE: Mutex<Vec<Weak<Shared>>> = Mutex::new(Vec::new());

/// How long a panic that ends the process waits for its nodes to delete
/// their heartbeats.
const HAND_BACK_WAIT: Duration = Duration::from_secs(1);

/// Watches `node` for panics (installs the hook with the first node).
pub(super) fn watch(node: &Arc<Shared>) {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            previous(info);
            let place = info.location().map_or_else(String::new, |at| format!(" at {at}"));
            fail_for_panic(&format!("a panic{place}"));
        }));
    });
    let mut live = LIVE.lock();
    live.retain(|node| node.strong_count() > 0);
    live.push(Arc::downgrade(node));
}

/// The hook's part: which nodes a panic on this thread fails.
fn fail_for_panic(why: &str) {
    let thread = std::thread::current();
    let name = thread.name();
    let own = name.and_then(|name| name.strip_prefix(NODE_THREAD));
    // Another program's thread (a test harness's, say): none of ours.
    if own.is_none() && name.is_some_and(|name| !name.starts_with("parallel-processor")) {
        return;
    }
    // A panic while the list is locked (a node starting) is not worth a deadlock.
    let Some(live) = LIVE.try_lock() else { return };
    let nodes: Vec<Arc<Shared>> = live.iter().filter_map(Weak::upgrade).collect();
    drop(live);
    let thread = match (own, name) {
        (Some(_), _) => "its own thread".to_string(),
        (None, Some(name)) => format!("thread {name}"),
        (None, None) => "a thread of Node's (the main thread or a worker's)".to_string(),
    };
    let waits: Vec<_> = nodes
        .iter()
        .filter(|node| own.is_none_or(|own| own == node.id))
        .filter_map(|node| node.fail(&format!("{why} on {thread}")))
        .collect();
    // On a node's own thread, the hand-back runs on that thread once the
    // panic is over: waiting here would wait for ever. Elsewhere the
    // process may end right after this hook: wait for it, a little.
    if own.is_some() {
        return;
    }
    let deadline = Instant::now() + HAND_BACK_WAIT;
    for wait in waits {
        let _ = wait.recv_timeout(deadline.saturating_duration_since(Instant::now()));
    }
}

impl Shared {
    /// Fails this node (see the module's notes); `None` if it had failed or
    /// stopped already, else what says when its heartbeat is gone.
    pub(super) fn fail(self: &Arc<Self>, why: &str) -> Option<mpsc::Receiver<()>> {
        {
            let mut failed = self.failed.try_lock()?;
            if failed.is_some() || self.stopped() {
                return None;
            }
            *failed = Some(format!("the cluster node stopped after {why}"));
        }
        eprintln!(
            "parallel-processor: cluster node {} of queue \"{}\" stops serving after {why}. The other nodes take \
             back what it holds at their next heartbeat: what it had started is charged a delivery, as its death \
             would be; what it held unstarted is not.",
            self.id, self.queue_name
        );
        self.reading_stopped.store(true, Ordering::Release);
        self.stop.send_replace(true);
        let (gone, when_gone) = mpsc::channel();
        let node = self.clone();
        self.runtime.spawn(async move {
            if let Some(queue) = node.queue.get() {
                let _ = tokio::time::timeout(node.options.connect_timeout, queue.abandon()).await;
            }
            let _ = gone.send(());
            node.wind_up();
        });
        Some(when_gone)
    }

    /// Why this node failed, if it did.
    pub(super) fn failure(&self) -> Option<String> {
        self.failed.lock().clone()
    }

    /// What a failed node does once its heartbeat is gone: stops what it
    /// runs (another node runs it now), and ends its own submitters' tasks:
    /// it no longer reads their results.
    fn wind_up(&self) {
        let locals = self.holding.lock().running_locals();
        for local in locals {
            self.host.abort(local);
        }
        let why = self.failure().unwrap_or_default();
        let outstanding: Vec<u64> = self.outstanding.lock().keys().copied().collect();
        for task_id in outstanding {
            self.finish(task_id, ResultKind::Unavailable, &why);
        }
    }
}
