//! Byte layouts shared with the JavaScript side (`lib/wire.js`). Everything
//! the main thread learns in one wake-up arrives in a single buffer, and a
//! task reaches a worker as one buffer: one allocation and one crossing each.
//!
//! Event record (little-endian): kind u8 | a f64 | b f64 | c f64 | d f64 | length u32 | bytes.
//! Delivery: task id f64 | handler u32 | payload bytes.

use crate::core::{Delivery, Event, ExitReason, Outcome, RetireReason};

pub const RETURNED: u8 = 1;
pub const THREW: u8 = 2;
pub const TIMED_OUT: u8 = 3;
pub const CRASHED: u8 = 4;
pub const START_FAILED: u8 = 5;
pub const DISPOSED: u8 = 6;
pub const QUEUE_TIMED_OUT: u8 = 7;
pub const ABORTED: u8 = 8;
pub const SPAWN_WORKER: u8 = 10;
pub const TERMINATE_WORKER: u8 = 11;
pub const QUEUE_DRAINED: u8 = 12;
pub const CLOSED: u8 = 13;
/// `a`: the worker; `b`: 1 max tasks, 2 memory, 3 recycle.
pub const WORKER_RETIRING: u8 = 14;
pub const BREAKER_OPENED: u8 = 15;
pub const BREAKER_CLOSED: u8 = 16;
/// `a`: the worker; `b`: why (see `exit_reason_code`); `c`: its exit code, NaN
/// after a signal; `d`: the signal's number, 0 for none; bytes: what it said.
pub const WORKER_EXITED: u8 = 17;

const RECORD_HEADER: usize = 1 + 8 * 4 + 4;
pub const DELIVERY_HEADER: usize = 8 + 4;

/// A record's fixed fields and its bytes.
struct Record<'a> {
    kind: u8,
    a: f64,
    b: f64,
    c: f64,
    d: f64,
    bytes: &'a [u8],
}

fn record(event: &Event) -> Record<'_> {
    let plain = |kind, a| Record { kind, a, b: 0.0, c: 0.0, d: 0.0, bytes: &[] };
    match event {
        Event::Settled { task, outcome } => {
            let id = task.0 as f64;
            match outcome {
                Outcome::Returned(bytes) => Record { bytes, ..plain(RETURNED, id) },
                Outcome::Threw(bytes) => Record { bytes, ..plain(THREW, id) },
                Outcome::TimedOut { timeout, attempts } => {
                    Record { b: timeout.as_secs_f64() * 1000.0, c: *attempts as f64, ..plain(TIMED_OUT, id) }
                }
                Outcome::Crashed { worker, exit_code, attempts } => {
                    Record { b: worker.0 as f64, c: *exit_code as f64, d: *attempts as f64, ..plain(CRASHED, id) }
                }
                Outcome::StartFailed { worker } => Record { b: worker.0 as f64, ..plain(START_FAILED, id) },
                Outcome::QueueTimedOut { waited } => {
                    Record { b: waited.as_secs_f64() * 1000.0, ..plain(QUEUE_TIMED_OUT, id) }
                }
                Outcome::Aborted => plain(ABORTED, id),
                Outcome::Disposed => plain(DISPOSED, id),
            }
        }
        Event::WorkerExited { worker, reason, exit } => Record {
            b: exit_reason_code(*reason),
            c: exit.code.map_or(f64::NAN, f64::from),
            d: exit.signal.map_or(0.0, f64::from),
            bytes: &exit.cause,
            ..plain(WORKER_EXITED, worker.0 as f64)
        },
        Event::SpawnWorker(worker) => plain(SPAWN_WORKER, worker.0 as f64),
        Event::TerminateWorker(worker) => plain(TERMINATE_WORKER, worker.0 as f64),
        Event::WorkerRetiring(worker, reason) => {
            let code = match reason {
                RetireReason::MaxTasks => 1.0,
                RetireReason::Memory => 2.0,
                RetireReason::Recycle => 3.0,
            };
            Record { b: code, ..plain(WORKER_RETIRING, worker.0 as f64) }
        }
        Event::QueueDrained => plain(QUEUE_DRAINED, 0.0),
        Event::BreakerOpened => plain(BREAKER_OPENED, 0.0),
        Event::BreakerClosed => plain(BREAKER_CLOSED, 0.0),
        Event::Closed => plain(CLOSED, 0.0),
    }
}

/// The order of `EXIT_REASONS` in lib/wire.js.
fn exit_reason_code(reason: ExitReason) -> f64 {
    match reason {
        ExitReason::StartFailure => 0.0,
        ExitReason::Crash => 1.0,
        ExitReason::Timeout => 2.0,
        ExitReason::Abort => 3.0,
        ExitReason::Retire => 4.0,
        ExitReason::Idle => 5.0,
        ExitReason::Dispose => 6.0,
    }
}

pub fn events_len(events: &[Event]) -> usize {
    events.iter().map(|event| RECORD_HEADER + record(event).bytes.len()).sum()
}

/// Writes `events` into `out`, which must be `events_len(events)` long.
pub fn write_events(events: &[Event], out: &mut [u8]) {
    let mut writer = Writer { out, at: 0 };
    for event in events {
        let record = record(event);
        writer.put(&[record.kind]);
        writer.put(&record.a.to_le_bytes());
        writer.put(&record.b.to_le_bytes());
        writer.put(&record.c.to_le_bytes());
        writer.put(&record.d.to_le_bytes());
        writer.put(&(record.bytes.len() as u32).to_le_bytes());
        writer.put(record.bytes);
    }
}

pub fn delivery_len(delivery: &Delivery) -> usize {
    DELIVERY_HEADER + delivery.payload.len()
}

/// Writes `delivery` into `out`, which must be `delivery_len(delivery)` long.
pub fn write_delivery(delivery: &Delivery, out: &mut [u8]) {
    let mut writer = Writer { out, at: 0 };
    writer.put(&(delivery.id.0 as f64).to_le_bytes());
    writer.put(&delivery.handler.0.to_le_bytes());
    writer.put(&delivery.payload);
}

struct Writer<'a> {
    out: &'a mut [u8],
    at: usize,
}

impl Writer<'_> {
    fn put(&mut self, bytes: &[u8]) {
        self.out[self.at..self.at + bytes.len()].copy_from_slice(bytes);
        self.at += bytes.len();
    }
}
