//! Wall-clock time, as the orchestrator reads it. Schedules are wall-clock
//! things (a cron time, an `every` grid anchored at a date), so the machine
//! works in Unix epoch milliseconds; the driver turns a deadline into a
//! relative delay on the monotonic timer thread, and re-checks the wall clock
//! when that delay has passed.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

/// Unix epoch milliseconds (negative before 1970).
pub type Millis = i64;

/// Where the driver reads the time. Tests inject a clock they move by hand.
pub trait Clock: Send + Sync {
    fn now(&self) -> Millis;
}

/// The system's wall clock.
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Millis {
        match SystemTime::now().duration_since(UNIX_EPOCH) {
            Ok(since) => since.as_millis() as Millis,
            Err(before) => -(before.duration().as_millis() as Millis),
        }
    }
}

/// The system's clock moved by an offset someone keeps up to date: across
/// replicas, Redis's clock (the offset is measured at each heartbeat), so
/// that every leader decides ticks on the same time.
pub struct OffsetClock(pub Arc<AtomicI64>);

impl Clock for OffsetClock {
    fn now(&self) -> Millis {
        SystemClock.now().saturating_add(self.0.load(Ordering::Relaxed))
    }
}
