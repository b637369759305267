//! A replica's handle on its orchestrator in Redis (`crate::cluster::orchestrator`):
//! operations take a ticket and end with a `done` event; events (heartbeats,
//! commands for the leader, replies) are read with `drain` when the doorbell
//! rings, as JSON, so that JavaScript reads a batch with one `JSON.parse`.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use napi::bindgen_prelude::{Function, Unknown};
use napi::{Env, Result};
use napi_derive::napi;

use super::json::{array, string, Object};
use super::main_doorbell::MainDoorbell;
use super::orchestrator_handle::OrchestratorHandle;
use crate::cluster::options::ClusterOptions;
use crate::cluster::orchestrator::{Done, ReplicaEvent, ReplicaHost, ReplicaLink, ReplicaOptions};
use crate::cluster::tls::Trust;
use crate::core::Host;
use crate::orchestrator::machine::durable::LostRun;
use crate::orchestrator::machine::Trigger;

/// The `cluster` option of an orchestrator, validated and completed by
/// `lib/orchestrator/cluster/options.js`.
#[napi(object)]
pub struct ReplicaOptionsObject {
    pub redis: String,
    pub replica: String,
    pub heartbeat_ms: f64,
    pub connect_timeout_ms: f64,
    pub ca: Option<Vec<String>>,
    pub ssl_cert_file: Option<String>,
    pub ssl_cert_dir: Option<String>,
}

/// A run the last leader had out, as its JavaScript stored it.
#[napi(object)]
pub struct LostRunObject {
    pub id: f64,
    pub job: String,
    pub attempt: u32,
    pub trigger: String,
    pub scheduled_at: Option<f64>,
    pub dead_letter: Option<f64>,
}

impl From<LostRunObject> for LostRun {
    fn from(run: LostRunObject) -> LostRun {
        let trigger = match run.trigger.as_str() {
            "schedule" => Trigger::Schedule,
            "dependency" => Trigger::Dependency,
            "retry" => Trigger::Retry,
            "continuous" => Trigger::Continuous,
            _ => Trigger::Manual,
        };
        LostRun {
            id: run.id as u64,
            job: run.job,
            attempt: run.attempt,
            trigger,
            scheduled_at: run.scheduled_at.map(|at| at as i64),
            dead_letter: run.dead_letter.map(|id| id as u64),
        }
    }
}

struct Doorbell(Arc<MainDoorbell>);

impl ReplicaHost for Doorbell {
    fn ring(&self) {
        self.0.ring();
    }
}

#[napi]
pub struct ReplicaHandle {
    link: Arc<ReplicaLink>,
    doorbell: Arc<MainDoorbell>,
}

impl ReplicaHandle {
    pub(super) fn link(&self) -> &ReplicaLink {
        &self.link
    }
}

#[napi]
impl ReplicaHandle {
    /// `on_events` is called (with no arguments) when events are waiting;
    /// it should call `drain()`.
    #[napi(constructor)]
    pub fn new(env: &Env, name: String, on_events: Function<(), Unknown<'static>>) -> Result<Self> {
        let doorbell = Arc::new(MainDoorbell::new(env, "OrchestratorReplica", on_events)?);
        let link = ReplicaLink::new(&name, Arc::new(Doorbell(doorbell.clone())))
            .map_err(|error| napi::Error::from_reason(format!("Could not start the orchestrator's thread: {error}")))?;
        Ok(ReplicaHandle { link: Arc::new(link), doorbell })
    }

    #[napi]
    pub fn connect(&self, ticket: u32, options: ReplicaOptionsObject) {
        let ms = |value: f64| Duration::from_millis(value as u64);
        let cluster = ClusterOptions {
            connect_timeout: ms(options.connect_timeout_ms),
            heartbeat: ms(options.heartbeat_ms),
            visibility_timeout: ms(options.heartbeat_ms),
            max_deliveries: 1,
            result_ttl: ms(options.heartbeat_ms),
            workers: 0,
            max_queue: None,
            dead_letter_limit: None,
            trust: Trust {
                ca: options.ca,
                cert_file: options.ssl_cert_file.map(PathBuf::from),
                cert_dir: options.ssl_cert_dir,
            },
        };
        let replica_options = ReplicaOptions { heartbeat: ms(options.heartbeat_ms), cluster };
        self.link.connect(ticket, options.redis, options.replica, replica_options);
    }

    /// Stores the leader's drained steps (`handle`'s changes) and `extras`
    /// in `epoch`.
    #[napi]
    pub fn commit(&self, ticket: u32, handle: &OrchestratorHandle, epoch: f64, extras: Vec<String>) {
        self.link.commit(ticket, epoch as u64, handle.take_changes(), extras);
    }

    #[napi]
    pub fn load(&self, ticket: u32) {
        self.link.load(ticket);
    }

    #[napi]
    pub fn send(&self, ticket: u32, request: String, command: String) {
        self.link.send(ticket, request, command);
    }

    /// `definitions`: [name, options JSON] pairs, flattened.
    #[napi]
    pub fn define(&self, ticket: u32, definitions: Vec<String>) {
        let pairs =
            definitions.chunks(2).filter_map(|pair| Some((pair.first()?.clone(), pair.get(1)?.clone()))).collect();
        self.link.define(ticket, pairs);
    }

    #[napi]
    pub fn leave(&self, ticket: u32) {
        self.link.leave(ticket);
    }

    #[napi]
    pub fn set_may_lead(&self, may: bool) {
        self.link.set_may_lead(may);
    }

    #[napi]
    pub fn set_referenced(&self, env: &Env, referenced: bool) -> Result<()> {
        self.doorbell.set_referenced(env, referenced)
    }

    /// Every waiting event as a JSON array, or null.
    #[napi]
    pub fn drain(&self) -> Option<String> {
        let events = self.link.take_events();
        if events.is_empty() {
            return None;
        }
        let mut out = String::new();
        array(&mut out, &events, write_event);
        Some(out)
    }

    /// Stops the link's threads; nothing rings after this.
    #[napi]
    pub fn close(&self) {
        self.link.close();
        self.doorbell.shut();
    }
}

fn pairs(out: &mut String, pairs: &[(String, String)]) {
    array(out, pairs, |out, (key, value)| array(out, [key, value], |out, text| string(out, text)));
}

fn write_event(out: &mut String, event: &ReplicaEvent) {
    let object = Object::begin(out);
    match event {
        ReplicaEvent::Done { ticket, result } => {
            let object = object.str("kind", "done").int("ticket", *ticket);
            match result {
                Ok(Done::Ok) => object.bool("ok", true),
                Ok(Done::Fenced) => object.bool("ok", true).bool("fenced", true),
                Ok(Done::Loaded(loaded)) => object.bool("ok", true).raw("loaded", |out| {
                    Object::begin(out)
                        .raw("runs", |out| pairs(out, &loaded.runs))
                        .raw("commands", |out| pairs(out, &loaded.commands))
                        .raw("letters", |out| {
                            array(out, &loaded.letters, |out, (id, payload, value)| {
                                Object::begin(out)
                                    .int("id", *id)
                                    .opt_str("payload", payload.as_deref())
                                    .opt_str("value", value.as_deref())
                                    .end()
                            })
                        })
                        .end()
                }),
                Err(error) => object
                    .bool("ok", false)
                    .bool("unavailable", matches!(error, crate::cluster::error::ClusterError::Unavailable(_)))
                    .str("error", &error.reason()),
            }
        }
        ReplicaEvent::Beat(beat) => object
            .str("kind", "beat")
            .int("now", beat.now)
            .bool("leading", beat.leading)
            .int("epoch", beat.epoch)
            .opt_str("leader", beat.leader.as_deref())
            .int("replicas", beat.replicas)
            .int("aliveSince", beat.alive_since)
            .opt_str("status", beat.status.as_deref())
            .raw("definitions", |out| match &beat.definitions {
                Some(definitions) => pairs(out, definitions),
                None => out.push_str("null"),
            }),
        ReplicaEvent::Down(error) => object.str("kind", "down").str("error", error),
        ReplicaEvent::Commands(commands) => object.str("kind", "commands").raw("commands", |out| pairs(out, commands)),
        ReplicaEvent::Replies(replies) => {
            object.str("kind", "replies").raw("replies", |out| array(out, replies, |out, reply| string(out, reply)))
        }
    }
    .end();
}
