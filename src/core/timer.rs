//! Deadlines as timers on one Rust thread: no JavaScript timer, no polling.
//!
//! The thread sleeps on a condition variable until the earliest deadline and
//! wakes only when a deadline passes or an earlier one is scheduled. An idle
//! process therefore has one parked thread and no wake-ups.

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};
use std::thread;
use std::time::{Duration, Instant};

use parking_lot::{Condvar, Mutex};

pub type TimerAction = Box<dyn FnOnce() + Send>;

/// Identifies a scheduled action so that it can be cancelled.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct TimerId {
    at: Instant,
    seq: u64,
}

impl TimerId {
    #[cfg(test)]
    pub(crate) fn for_tests(seq: u64) -> TimerId {
        static EPOCH: OnceLock<Instant> = OnceLock::new();
        TimerId { at: *EPOCH.get_or_init(Instant::now), seq }
    }
}

fn far_future() -> Instant {
    Instant::now() + Duration::from_secs(100 * 365 * 24 * 3600)
}

/// Schedules actions to run later on some other thread.
pub trait Timers: Send + Sync {
    fn schedule(&self, after: Duration, action: TimerAction) -> TimerId;
    /// Returns false if the action already ran (or is running).
    fn cancel(&self, id: TimerId) -> bool;
}

#[derive(Default)]
struct Schedule {
    actions: BTreeMap<TimerId, TimerAction>,
    next_seq: u64,
}

/// The process-wide timer thread.
pub struct TimerThread {
    schedule: Mutex<Schedule>,
    wake: Condvar,
}

impl TimerThread {
    /// The shared instance, started on first use. One thread serves every pool.
    pub fn global() -> Arc<TimerThread> {
        static GLOBAL: OnceLock<Arc<TimerThread>> = OnceLock::new();
        GLOBAL
            .get_or_init(|| {
                let timers = Arc::new(TimerThread { schedule: Mutex::default(), wake: Condvar::new() });
                let runner = timers.clone();
                thread::Builder::new()
                    .name("parallel-processor-timers".into())
                    .spawn(move || runner.run())
                    .expect("spawning the timer thread");
                timers
            })
            .clone()
    }

    fn run(&self) {
        let mut schedule = self.schedule.lock();
        loop {
            let now = Instant::now();
            match schedule.actions.first_key_value().map(|(id, _)| id.at) {
                Some(at) if at <= now => {
                    let (_, action) = schedule.actions.pop_first().expect("checked non-empty");
                    // Run without the lock: the action may schedule or cancel timers.
                    drop(schedule);
                    action();
                    schedule = self.schedule.lock();
                }
                Some(at) => {
                    self.wake.wait_until(&mut schedule, at);
                }
                None => self.wake.wait(&mut schedule),
            }
        }
    }
}

impl Timers for TimerThread {
    fn schedule(&self, after: Duration, action: TimerAction) -> TimerId {
        let mut schedule = self.schedule.lock();
        // A deadline past what an Instant can hold would never fire anyway.
        let at = Instant::now().checked_add(after).unwrap_or_else(far_future);
        let id = TimerId { at, seq: schedule.next_seq };
        schedule.next_seq += 1;
        let is_earliest = schedule.actions.first_key_value().is_none_or(|(first, _)| id < *first);
        schedule.actions.insert(id, action);
        if is_earliest {
            self.wake.notify_one();
        }
        id
    }

    fn cancel(&self, id: TimerId) -> bool {
        // No need to wake the thread: it re-checks the schedule when it wakes.
        self.schedule.lock().actions.remove(&id).is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    #[test]
    fn runs_actions_in_deadline_order_and_skips_cancelled_ones() {
        let timers = TimerThread::global();
        let (tx, rx) = mpsc::channel();
        let late = tx.clone();
        timers.schedule(Duration::from_millis(600), Box::new(move || late.send("late").unwrap()));
        let cancelled = tx.clone();
        let id = timers.schedule(Duration::from_millis(300), Box::new(move || cancelled.send("cancelled").unwrap()));
        timers.schedule(Duration::from_millis(100), Box::new(move || tx.send("early").unwrap()));
        assert!(timers.cancel(id));
        assert_eq!(rx.recv().unwrap(), "early");
        assert_eq!(rx.recv().unwrap(), "late");
        assert!(rx.recv_timeout(Duration::from_millis(100)).is_err());
    }
}
