//! Byte layouts shared with the JavaScript side (`lib/shared/wire.js`). Everything
//! the main thread learns in one wake-up arrives in a single buffer, and a
//! task reaches a worker as one buffer: one allocation and one crossing each.
//!
//! Event record (little-endian): kind u8 | a f64 | b f64 | c f64 | d f64 | length u32 | bytes.
//! Delivery: see `Delivery::header`.
//!
//! The kinds and the names of the reasons are exported to JavaScript from
//! here (`EventKind`, `exitReasonNames`, `retireReasonNames`): one definition.

use napi_derive::napi;

use crate::core::{Delivery, Event, ExitReason, Outcome, RetireReason, Stopping};

/// What an event record says; its fields `a`..`d` and bytes by kind.
#[napi]
#[derive(Clone, Copy)]
pub enum EventKind {
    /// `a`: the task; bytes: its result.
    Returned = 1,
    /// `a`: the task; bytes: what it threw.
    Threw = 2,
    /// `a`: the task; `b`: its timeout in ms; `c`: attempts.
    TimedOut = 3,
    /// `a`: the task; `b`: its worker; `c`: the exit code (-1 after a signal); `d`: attempts.
    Crashed = 4,
    /// `a`: the task; `b`: the worker that failed to start.
    StartFailed = 5,
    /// `a`: the task.
    Disposed = 6,
    /// `a`: the task; `b`: how long it waited, in ms.
    QueueTimedOut = 7,
    /// `a`: the task.
    Aborted = 8,
    /// `a`: the worker.
    SpawnWorker = 10,
    /// `a`: the worker.
    TerminateWorker = 11,
    QueueDrained = 12,
    Closed = 13,
    /// `a`: the worker; `b`: why (an index in `retireReasonNames()`).
    WorkerRetiring = 14,
    BreakerOpened = 15,
    BreakerClosed = 16,
    /// `a`: the worker; `b`: why (an index in `exitReasonNames()`); `c`: its
    /// exit code, NaN after a signal; `d`: the signal's number, 0 for none;
    /// bytes: what it said.
    WorkerExited = 17,
    /// `a`: the task; `b`: the worker that takes it; `c`: the attempt, from 1.
    TaskAssigned = 18,
    /// Cluster pools, a submitted task's end. `a`: the task; `b`: how it
    /// ended (`ResultKind`: 0 a node ran it, and the body is that node's
    /// event records; 1 delivery limit; 2 lost; 3 not a valid task; 4 Redis
    /// unavailable; 5 the queue's backlog full; the body then says why);
    /// `c`: deliveries; bytes: the reporting node's id (u16 LE length,
    /// UTF-8), then the body.
    ClusterSettled = 19,
    /// Cluster pools: the node has left its queue (after `dispose()`).
    ClusterLeft = 20,
}

/// `'workerExit'`'s reasons, by the code a WorkerExited record carries.
// Called from JavaScript only: napi's registration, which refers to it, is
// not compiled into the unit tests.
#[cfg_attr(test, allow(dead_code))]
#[napi]
pub fn exit_reason_names() -> Vec<&'static str> {
    ExitReason::ALL.map(ExitReason::as_str).to_vec()
}

/// `'workerRetire'`'s reasons, by the code a WorkerRetiring record carries.
#[cfg_attr(test, allow(dead_code))]
#[napi]
pub fn retire_reason_names() -> Vec<&'static str> {
    RetireReason::ALL.map(RetireReason::as_str).to_vec()
}

/// An event record's fixed part: kind, `a`..`d`, the length of its bytes.
pub(super) const RECORD_HEADER: usize = 1 + 8 * 4 + 4;

/// A record's fixed fields and its bytes.
struct Record<'a> {
    kind: EventKind,
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
                Outcome::Returned(bytes) => Record { bytes, ..plain(EventKind::Returned, id) },
                Outcome::Threw(bytes) => Record { bytes, ..plain(EventKind::Threw, id) },
                Outcome::TimedOut { timeout, attempts } => {
                    Record { b: timeout.as_secs_f64() * 1000.0, c: *attempts as f64, ..plain(EventKind::TimedOut, id) }
                }
                Outcome::Crashed { worker, exit_code, attempts } => Record {
                    b: worker.0 as f64,
                    c: *exit_code as f64,
                    d: *attempts as f64,
                    ..plain(EventKind::Crashed, id)
                },
                Outcome::StartFailed { worker } => Record { b: worker.0 as f64, ..plain(EventKind::StartFailed, id) },
                Outcome::QueueTimedOut { waited } => {
                    Record { b: waited.as_secs_f64() * 1000.0, ..plain(EventKind::QueueTimedOut, id) }
                }
                Outcome::Aborted => plain(EventKind::Aborted, id),
                Outcome::Disposed => plain(EventKind::Disposed, id),
            }
        }
        Event::WorkerExited { worker, reason, exit } => Record {
            b: *reason as u8 as f64,
            c: exit.code.map_or(f64::NAN, f64::from),
            d: exit.signal.map_or(0.0, f64::from),
            bytes: &exit.cause,
            ..plain(EventKind::WorkerExited, worker.0 as f64)
        },
        Event::TaskAssigned { task, worker, attempt } => {
            Record { b: worker.0 as f64, c: *attempt as f64, ..plain(EventKind::TaskAssigned, task.0 as f64) }
        }
        Event::SpawnWorker(worker) => plain(EventKind::SpawnWorker, worker.0 as f64),
        Event::TerminateWorker(worker, stopping) => Record {
            b: f64::from(u8::from(*stopping == Stopping::Idle)),
            ..plain(EventKind::TerminateWorker, worker.0 as f64)
        },
        Event::WorkerRetiring(worker, reason) => {
            Record { b: *reason as u8 as f64, ..plain(EventKind::WorkerRetiring, worker.0 as f64) }
        }
        Event::QueueDrained => plain(EventKind::QueueDrained, 0.0),
        Event::BreakerOpened => plain(EventKind::BreakerOpened, 0.0),
        Event::BreakerClosed => plain(EventKind::BreakerClosed, 0.0),
        Event::Closed => plain(EventKind::Closed, 0.0),
    }
}

/// Events and, for cluster pools, results, as one batch of records.
pub struct Batch<'a> {
    records: Vec<Record<'a>>,
}

impl<'a> Batch<'a> {
    pub fn new(events: &'a [Event]) -> Batch<'a> {
        Batch { records: events.iter().map(record).collect() }
    }

    pub fn cluster_result(&mut self, task: u64, kind: u8, deliveries: u64, bytes: &'a [u8]) {
        let (a, b, c) = (task as f64, f64::from(kind), deliveries as f64);
        self.records.push(Record { kind: EventKind::ClusterSettled, a, b, c, d: 0.0, bytes });
    }

    pub fn cluster_left(&mut self) {
        self.records.push(Record { kind: EventKind::ClusterLeft, a: 0.0, b: 0.0, c: 0.0, d: 0.0, bytes: &[] });
    }

    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    pub fn len(&self) -> usize {
        self.records.iter().map(|record| RECORD_HEADER + record.bytes.len()).sum()
    }

    /// Writes the records into `out`, which must be `len()` long.
    pub fn write(&self, out: &mut [u8]) {
        let mut writer = Writer { out, at: 0 };
        for record in &self.records {
            writer.record(record);
        }
    }
}

pub fn events_len(events: &[Event]) -> usize {
    events.iter().map(event_len).sum()
}

/// The length of one event's record.
pub fn event_len(event: &Event) -> usize {
    RECORD_HEADER + record(event).bytes.len()
}

/// Writes `events` into `out`, which must be `events_len(events)` long.
pub fn write_events(events: &[Event], out: &mut [u8]) {
    let mut writer = Writer { out, at: 0 };
    for event in events {
        writer.record(&record(event));
    }
}

/// Writes `delivery` into `out`, which must be `delivery.encoded_len()` long.
pub fn write_delivery(delivery: &Delivery, out: &mut [u8]) {
    let mut writer = Writer { out, at: 0 };
    writer.put(&delivery.header());
    writer.put(&delivery.payload);
}

struct Writer<'a> {
    out: &'a mut [u8],
    at: usize,
}

impl Writer<'_> {
    fn record(&mut self, record: &Record) {
        self.put(&[record.kind as u8]);
        self.put(&record.a.to_le_bytes());
        self.put(&record.b.to_le_bytes());
        self.put(&record.c.to_le_bytes());
        self.put(&record.d.to_le_bytes());
        self.put(&(record.bytes.len() as u32).to_le_bytes());
        self.put(record.bytes);
    }

    fn put(&mut self, bytes: &[u8]) {
        self.out[self.at..self.at + bytes.len()].copy_from_slice(bytes);
        self.at += bytes.len();
    }
}
