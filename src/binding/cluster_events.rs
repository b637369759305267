//! A cluster pool's events go to its node's runtime before the main thread.
//! There the settlements of delivered tasks are acknowledged at once, so
//! that a node's worker moving from one task to the next neither waits for
//! nor wakes the JavaScript main thread (a busy main thread delays no
//! acknowledgement); the other events go on to the main thread, in order.
//! Until the node's runtime routes them, and once it has stopped, the pool
//! rings the main thread directly and `drain` does the same work there.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Weak};

use parking_lot::Mutex;
use tokio::sync::{watch, Notify};

use super::main_doorbell::MainDoorbell;
use crate::core::{Event, Host, Pool};

/// Takes the settlements of delivered tasks out of a batch of events
/// (acknowledging them), leaving the rest.
pub trait Intercept: Send + Sync {
    fn intercept(&self, events: &mut Vec<Event>);
}

/// The pool's host in a cluster pool.
pub struct EventRouter {
    main: Arc<MainDoorbell>,
    /// Rung by the pool while the runtime routes: events are waiting.
    waiting: Notify,
    /// The runtime routes the events (else the pool rings the main thread).
    routed: AtomicBool,
    /// Events taken from the pool and kept for the main thread, in order.
    /// Its lock is held while events are taken from the pool, so that two
    /// takers never reorder them.
    kept: Mutex<Vec<Event>>,
}

impl Host for EventRouter {
    fn ring(&self) {
        if self.routed.load(Ordering::Acquire) {
            self.waiting.notify_one();
        } else {
            self.main.ring();
        }
    }
}

impl EventRouter {
    pub fn new(main: Arc<MainDoorbell>) -> EventRouter {
        EventRouter { main, waiting: Notify::new(), routed: AtomicBool::new(false), kept: Mutex::new(Vec::new()) }
    }

    /// Moves what the pool has said into `kept`, intercepted; true if it kept any.
    fn take(&self, pool: &Pool, intercept: &dyn Intercept, kept: &mut Vec<Event>) -> bool {
        let mut events = pool.take_events();
        intercept.intercept(&mut events);
        let any = !events.is_empty();
        kept.append(&mut events);
        any
    }

    /// Everything for the main thread: what was kept, then what the pool
    /// has said since, intercepted.
    pub fn take_for_main(&self, pool: &Pool, intercept: &dyn Intercept) -> Vec<Event> {
        let mut kept = self.kept.lock();
        self.take(pool, intercept, &mut kept);
        std::mem::take(&mut *kept)
    }

    /// Routes the pool's events on the node's runtime until the node stops
    /// or the pool is gone; then the pool rings the main thread again, and
    /// it is rung once for whatever came meanwhile.
    pub async fn route(
        self: Arc<Self>,
        pool: Weak<Pool>,
        intercept: Arc<dyn Intercept>,
        mut stop: watch::Receiver<bool>,
    ) {
        self.routed.store(true, Ordering::Release);
        loop {
            let waiting = self.waiting.notified();
            let Some(pool) = pool.upgrade() else { break };
            if self.take(&pool, &*intercept, &mut self.kept.lock()) {
                self.main.ring();
            }
            drop(pool);
            tokio::select! {
                _ = waiting => {}
                _ = stop.wait_for(|stopped| *stopped) => break,
            }
        }
        self.routed.store(false, Ordering::Release);
        self.main.ring();
    }
}
