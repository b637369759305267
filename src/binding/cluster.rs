//! A cluster pool's side of the binding: the pool as a node's host (a
//! delivery becomes an ordinary task of the pool), the settlements of those
//! tasks taken out of the pool's events and acknowledged instead of reaching
//! JavaScript (on the node's runtime: see `cluster_events`), and the
//! submitter's results turned into event records.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Weak};
use std::time::Duration;

use napi_derive::napi;
use parking_lot::Mutex;

use super::cluster_events::{EventRouter, Intercept};
use super::main_doorbell::MainDoorbell;
use super::wire;
use crate::cluster::node::{ClusterNode, ClusterResult, Held, NodeHost, Settler, Started};
use crate::cluster::options::ClusterOptions;
use crate::cluster::stats::ClusterStats;
use crate::cluster::task::Delivery;
use crate::cluster::tls::Trust;
use crate::core::{
    Event, ExitReason, HandlerSpec, Host, NewTask, Outcome, Pool, SubmitError, TaskId, WorkerExit, WorkerId,
};
use crate::process;

/// A delivered task's payload starts with this byte and the delivery count
/// (u32 LE) before the submitter's bytes: the task runner reads it as
/// `ctx.delivery`. JSON text never starts with it, nor does v8's format.
pub(super) const CLUSTER_PAYLOAD: u8 = 0x02;

/// The `cluster` option, validated and completed with its defaults by
/// `lib/cluster/options.js` (the one home of those defaults).
#[napi(object)]
pub struct ClusterOptionsObject {
    pub redis: String,
    pub queue: String,
    pub visibility_timeout_ms: f64,
    pub heartbeat_ms: f64,
    pub max_deliveries: u32,
    pub result_ttl_ms: f64,
    pub connect_timeout_ms: f64,
    /// Most tasks waiting in Redis; `Infinity`: no bound.
    pub max_queue: f64,
    /// Most dead letters kept; `Infinity`: all.
    pub dead_letter_limit: f64,
    /// Tasks this node runs at once (0: it only submits).
    pub capacity: u32,
    /// The module delivered tasks name an export of: this node's own copy.
    pub filename: Option<String>,
    /// `rediss://`: the `ca` option's PEM texts, which replace the default roots.
    pub ca: Option<Vec<String>>,
    /// `rediss://`: `SSL_CERT_FILE` and `SSL_CERT_DIR` as `process.env` had them.
    pub ssl_cert_file: Option<String>,
    pub ssl_cert_dir: Option<String>,
}

impl From<&ClusterOptionsObject> for ClusterOptions {
    fn from(options: &ClusterOptionsObject) -> ClusterOptions {
        let ms = |value: f64| Duration::from_millis(value as u64);
        ClusterOptions {
            connect_timeout: ms(options.connect_timeout_ms),
            heartbeat: ms(options.heartbeat_ms),
            visibility_timeout: ms(options.visibility_timeout_ms),
            max_deliveries: options.max_deliveries,
            result_ttl: ms(options.result_ttl_ms),
            workers: options.capacity,
            max_queue: options.max_queue.is_finite().then_some(options.max_queue as u64),
            dead_letter_limit: options.dead_letter_limit.is_finite().then_some(options.dead_letter_limit as u64),
            trust: Trust {
                ca: options.ca.clone(),
                cert_file: options.ssl_cert_file.as_ref().map(PathBuf::from),
                cert_dir: options.ssl_cert_dir.clone(),
            },
        }
    }
}

/// The pool, as the node's host.
struct PoolHost {
    pool: Weak<Pool>,
    filename: Option<String>,
    /// Process workers: a task for an idle child is written from the
    /// submitting thread (`process::deliver_directly`).
    processes: bool,
    doorbell: Arc<MainDoorbell>,
}

impl NodeHost for PoolHost {
    fn start(&self, delivery: Delivery) -> Started {
        if delivery.aborted {
            return Started::Refused(outcome_records(Outcome::Aborted, None));
        }
        let Some(pool) = self.pool.upgrade() else { return Started::Declined };
        let task = delivery.task.task;
        let name = (!task.handler.is_empty()).then_some(task.handler);
        let handler = pool.register_handler(HandlerSpec { filename: self.filename.clone(), name });
        let mut payload = Vec::with_capacity(5 + task.payload.len());
        payload.push(CLUSTER_PAYLOAD);
        payload.extend_from_slice(&(delivery.delivery_count.min(u32::MAX as u64) as u32).to_le_bytes());
        payload.extend_from_slice(&task.payload);
        let new = NewTask {
            handler,
            payload,
            timeout: task.timeout_ms.map(Duration::from_millis).filter(|timeout| !timeout.is_zero()),
            priority: task.priority,
            retries: task.retries,
            announce: false,
        };
        let submitted = if self.processes { process::deliver_directly(|| pool.submit(new)) } else { pool.submit(new) };
        match submitted {
            Ok(id) => Started::Running(id.0),
            Err(SubmitError::StartFailing) => Started::Unavailable,
            Err(SubmitError::Closed | SubmitError::QueueFull) => Started::Declined,
        }
    }

    fn abort(&self, local: u64) {
        if let Some(pool) = self.pool.upgrade() {
            pool.abort(TaskId(local));
        }
    }

    fn ring(&self) {
        self.doorbell.ring();
    }
}

/// A delivered task's outcome as the submitter reads it: the running node's
/// event records (`lib/shared/wire.js`), the exit of the worker first for a crash.
fn outcome_records(outcome: Outcome, exit: Option<Event>) -> Vec<u8> {
    let mut events: Vec<Event> = exit.into_iter().collect();
    events.push(Event::Settled { task: TaskId(0), outcome });
    let mut out = vec![0; wire::events_len(&events)];
    wire::write_events(&events, &mut out);
    out
}

/// Exits remembered for crash reports; a worker's exit always comes before
/// the settlements of its tasks, so the latest few are plenty.
const EXITS_KEPT: usize = 256;

/// A pool's node of a queue.
pub struct ClusterLink {
    pub node: ClusterNode,
    settlements: Arc<Settlements>,
    events: Arc<EventRouter>,
}

impl ClusterLink {
    /// Starts the node of `pool`, whose host `events` is: from now on its
    /// events go through the node's runtime (see `cluster_events`).
    pub fn start(
        options: &ClusterOptionsObject,
        pool: &Arc<Pool>,
        processes: bool,
        doorbell: Arc<MainDoorbell>,
        events: Arc<EventRouter>,
    ) -> napi::Result<ClusterLink> {
        let filename = options.filename.clone();
        let host = Arc::new(PoolHost { pool: Arc::downgrade(pool), filename, processes, doorbell });
        let node = ClusterNode::start(&options.redis, &options.queue, options.into(), options.capacity as usize, host)
            .map_err(|error| napi::Error::from_reason(format!("Could not start the cluster's thread: {error}")))?;
        let settlements = Arc::new(Settlements { settler: node.settler(), exits: Mutex::new(HashMap::new()) });
        let (router, weak_pool, intercept) = (events.clone(), Arc::downgrade(pool), settlements.clone());
        node.spawn(|stop| router.route(weak_pool, intercept, stop));
        Ok(ClusterLink { node, settlements, events })
    }

    /// The pool's events for JavaScript: those of delivered tasks are
    /// acknowledged instead (see `Settlements`).
    pub fn take_events(&self, pool: &Pool) -> Vec<Event> {
        self.events.take_for_main(pool, &*self.settlements)
    }
}

/// Takes the settlements of delivered tasks out of the pool's events and
/// acknowledges them; everything else stays for JavaScript. A task ended by
/// `dispose()` or by a worker that could not start is not acknowledged: it
/// goes back to the queue at once.
struct Settlements {
    settler: Settler,
    exits: Mutex<HashMap<WorkerId, (ExitReason, WorkerExit)>>,
}

impl Intercept for Settlements {
    fn intercept(&self, events: &mut Vec<Event>) {
        let mut kept = Vec::with_capacity(events.len());
        for event in events.drain(..) {
            match event {
                Event::WorkerExited { worker, reason, ref exit } => {
                    let mut exits = self.exits.lock();
                    if exits.len() >= EXITS_KEPT {
                        exits.clear();
                    }
                    exits.insert(worker, (reason, exit.clone()));
                    drop(exits);
                    kept.push(event);
                }
                Event::Settled { task, outcome } => match self.settler.release(task.0) {
                    None => kept.push(Event::Settled { task, outcome }),
                    // Not this task's fault: back to the queue for another
                    // node. A start failure counts as a delivery, so that a
                    // task no node can start ends in the dead letters.
                    Some(held) if outcome == Outcome::Disposed => self.settler.hand_back(held, false),
                    Some(held) if matches!(outcome, Outcome::StartFailed { .. }) => self.settler.hand_back(held, true),
                    Some(held) => self.acknowledge(held, outcome),
                },
                other => kept.push(other),
            }
        }
        *events = kept;
    }
}

impl Settlements {
    fn acknowledge(&self, held: Held, outcome: Outcome) {
        let exit = match &outcome {
            Outcome::Crashed { worker, .. } => self
                .exits
                .lock()
                .get(worker)
                .map(|(reason, exit)| Event::WorkerExited { worker: *worker, reason: *reason, exit: exit.clone() }),
            _ => None,
        };
        self.settler.acknowledge(held, outcome_records(outcome, exit));
    }
}

/// A submitter's result as an event record's bytes: the reporting node's id
/// (u16 LE length, UTF-8), then the body.
pub fn result_bytes(result: &ClusterResult) -> Vec<u8> {
    let by = result.by.as_bytes();
    let by = &by[..by.len().min(u16::MAX as usize)];
    let mut bytes = Vec::with_capacity(2 + by.len() + result.body.len());
    bytes.extend_from_slice(&(by.len() as u16).to_le_bytes());
    bytes.extend_from_slice(by);
    bytes.extend_from_slice(&result.body);
    bytes
}

#[napi(object)]
pub struct ClusterNodeObject {
    pub id: String,
    pub workers: u32,
    pub last_seen_ms: f64,
}

/// A priority lane of the queue in `stats().cluster.lanes`.
#[napi(object)]
pub struct ClusterLaneObject {
    pub priority: f64,
    pub queued: f64,
    pub pending: f64,
}

/// `stats().cluster`.
#[napi(object)]
pub struct ClusterStatsObject {
    pub node_id: String,
    pub nodes: Vec<ClusterNodeObject>,
    pub queued: f64,
    pub pending: f64,
    pub dead_letters: f64,
    /// Each lane, highest priority first.
    pub lanes: Vec<ClusterLaneObject>,
    /// Deliveries this node took of tasks delivered before.
    pub redelivered: f64,
}

pub fn stats_object(node_id: &str, stats: Option<ClusterStats>, redelivered: u64) -> ClusterStatsObject {
    let stats =
        stats.unwrap_or(ClusterStats { nodes: Vec::new(), queued: 0, pending: 0, dead_letters: 0, lanes: Vec::new() });
    ClusterStatsObject {
        node_id: node_id.to_string(),
        nodes: stats
            .nodes
            .into_iter()
            .map(|node| ClusterNodeObject {
                id: node.id,
                workers: node.workers,
                last_seen_ms: node.last_seen_ms as f64,
            })
            .collect(),
        queued: stats.queued as f64,
        pending: stats.pending as f64,
        dead_letters: stats.dead_letters as f64,
        lanes: stats
            .lanes
            .into_iter()
            .map(|lane| ClusterLaneObject {
                priority: lane.priority as f64,
                queued: lane.queued as f64,
                pending: lane.pending as f64,
            })
            .collect(),
        redelivered: redelivered as f64,
    }
}
