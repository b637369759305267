//! One replica's link to its orchestrator in Redis: the heartbeat (which
//! elects the leader), the leader's commits and loads, commands for the
//! leader, and this replica's replies. Every operation runs on the link's
//! tokio runtime; its outcome, and whatever the link hears, is queued as a
//! `ReplicaEvent` and the host is rung (the binding's doorbell), which takes
//! them with `take_events`.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::Mutex;
use redis::{cmd, Script, ScriptInvocation, Value};
use tokio::task::JoinHandle;

use super::keys::OrchestratorKeys;
use super::records::{job_record, letter_values, parse_job_record, Fields};
use super::scripts::{COMMIT, DEFINE, HEARTBEAT, LEAVE, LOAD, SEND};
use crate::cluster::connection::{connect_commands, BlockingConnection, Commands, Connector};
use crate::cluster::error::{bad_reply, ClusterError};
use crate::cluster::options::{millis, ClusterOptions};
use crate::cluster::runtime::ClusterRuntime;
use crate::cluster::value::{int, items, text};
use crate::orchestrator::clock::{Clock, Millis, SystemClock};
use crate::orchestrator::machine::durable::{Changes, Counters, Resume};

/// Who is told that events are waiting. Never blocks, never calls back in.
pub trait ReplicaHost: Send + Sync + 'static {
    fn ring(&self);
}

/// What a heartbeat saw.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Beat {
    /// Redis's clock, in ms.
    pub now: Millis,
    pub leading: bool,
    pub epoch: u64,
    pub leader: Option<String>,
    pub replicas: u64,
    pub alive_since: Millis,
    /// The leader's status, when it changed since the last heartbeat (followers).
    pub status: Option<String>,
    /// Every job's options (job -> JSON), when they changed since the last heartbeat.
    pub definitions: Option<Vec<(String, String)>>,
}

/// What a new leader reads back, besides what the machine resumes from.
#[derive(Debug, Default)]
pub struct Loaded {
    /// Run id -> the run as the last leader's JavaScript stored it.
    pub runs: Vec<(String, String)>,
    /// Request id -> a command not yet applied.
    pub commands: Vec<(String, String)>,
    /// Letter id -> what the leader's JavaScript kept of it (payload, value).
    pub letters: Vec<(u64, Option<String>, Option<String>)>,
}

#[derive(Debug)]
pub enum Done {
    Ok,
    /// A commit refused: this replica no longer leads in that epoch.
    Fenced,
    /// A load: the machine's part is kept for `loaded_resume`.
    Loaded(Loaded),
}

#[derive(Debug)]
pub enum ReplicaEvent {
    /// The operation given `ticket` ended.
    Done {
        ticket: u32,
        result: Result<Done, ClusterError>,
    },
    Beat(Beat),
    /// A heartbeat could not reach Redis.
    Down(String),
    /// Commands waiting for the leader (sent again until a commit marks them
    /// done: the leader skips those it has in hand).
    Commands(Vec<(String, String)>),
    Replies(Vec<String>),
}

/// A commit not yet stored: the machine's changes and the JavaScript's extras.
type Unstored = (Changes, Vec<String>);

pub struct ReplicaOptions {
    pub heartbeat: Duration,
    pub cluster: ClusterOptions,
}

/// Events for the host, which is rung when the first one arrives.
struct Outbox {
    events: Mutex<Vec<ReplicaEvent>>,
    host: Arc<dyn ReplicaHost>,
}

impl Outbox {
    fn push(&self, event: ReplicaEvent) {
        let mut events = self.events.lock();
        let first = events.is_empty();
        events.push(event);
        drop(events);
        if first {
            self.host.ring();
        }
    }
}

/// What the link's tasks share once connected.
struct Shared {
    keys: OrchestratorKeys,
    replica: String,
    heartbeat: Duration,
    commands: Commands,
    connector: Connector,
    connect_timeout: Duration,
    outbox: Arc<Outbox>,
    offset: Arc<AtomicI64>,
    may_lead: Arc<AtomicBool>,
    leading: AtomicBool,
    /// The epoch this replica last led in (see `heartbeat.lua`), and the
    /// status version it has.
    last_epoch: Mutex<Option<u64>>,
    status_version: Mutex<String>,
    definitions_version: Mutex<String>,
    /// Redis's time at this replica's first heartbeat.
    started: Mutex<Option<Millis>>,
}

pub struct ReplicaLink {
    name: String,
    runtime: Mutex<Option<ClusterRuntime>>,
    outbox: Arc<Outbox>,
    shared: Mutex<Option<Arc<Shared>>>,
    tasks: Mutex<Vec<JoinHandle<()>>>,
    offset: Arc<AtomicI64>,
    may_lead: Arc<AtomicBool>,
    /// What the machine resumes from, kept by the last load.
    resume: Arc<Mutex<Option<Resume>>>,
    /// A commit that failed (Redis unreachable): sent again, first, with the
    /// next one. A commit is idempotent (records are whole, replies are
    /// deduplicated by their receiver), so one that was stored after all
    /// does no harm stored twice.
    unstored: Arc<Mutex<Option<Unstored>>>,
}

impl ReplicaLink {
    /// A link not yet connected (`connect`), its events for `host`.
    pub fn new(name: &str, host: Arc<dyn ReplicaHost>) -> std::io::Result<ReplicaLink> {
        Ok(ReplicaLink {
            name: name.to_owned(),
            runtime: Mutex::new(Some(ClusterRuntime::for_orchestrator(name)?)),
            outbox: Arc::new(Outbox { events: Mutex::new(Vec::new()), host }),
            shared: Mutex::new(None),
            tasks: Mutex::new(Vec::new()),
            offset: Arc::new(AtomicI64::new(0)),
            may_lead: Arc::new(AtomicBool::new(true)),
            resume: Arc::new(Mutex::new(None)),
            unstored: Arc::new(Mutex::new(None)),
        })
    }

    /// Redis's clock minus this machine's: the leader's machine runs on
    /// Redis's time, so that no two leaders see a tick at different times.
    pub fn offset(&self) -> Arc<AtomicI64> {
        self.offset.clone()
    }

    pub fn take_events(&self) -> Vec<ReplicaEvent> {
        std::mem::take(&mut *self.outbox.events.lock())
    }

    /// Whether this replica may take (and keep) the lead: not once it stops.
    pub fn set_may_lead(&self, may: bool) {
        self.may_lead.store(may, Ordering::SeqCst);
    }

    /// What the last load read for the machine (a copy: a leader that could
    /// not resume with the cluster's definitions resumes again with its own).
    pub fn loaded_resume(&self) -> Option<Resume> {
        self.resume.lock().clone()
    }

    fn spawn(&self, future: impl std::future::Future<Output = ()> + Send + 'static) {
        if let Some(runtime) = self.runtime.lock().as_ref() {
            let task = runtime.spawn(future);
            let mut tasks = self.tasks.lock();
            tasks.retain(|task| !task.is_finished());
            tasks.push(task);
        }
    }

    /// Connects and beats once, then keeps beating and reading. `Done` for
    /// `ticket` says whether it could: `Unavailable` within the connect
    /// timeout for a wrong URL or password, or a Redis that cannot be reached.
    pub fn connect(self: &Arc<Self>, ticket: u32, url: String, replica: String, options: ReplicaOptions) {
        let link = self.clone();
        self.spawn(async move {
            let connect_timeout = options.cluster.connect_timeout;
            let connected = async {
                let (connector, commands) = connect_commands(&url, &options.cluster).await?;
                let shared = Arc::new(Shared {
                    keys: OrchestratorKeys::new(&link.name),
                    replica,
                    heartbeat: options.heartbeat,
                    commands,
                    connector,
                    connect_timeout,
                    outbox: link.outbox.clone(),
                    offset: link.offset.clone(),
                    may_lead: link.may_lead.clone(),
                    leading: AtomicBool::new(false),
                    last_epoch: Mutex::new(None),
                    status_version: Mutex::new(String::new()),
                    definitions_version: Mutex::new(String::new()),
                    started: Mutex::new(None),
                });
                let beat = tokio::time::timeout(connect_timeout, shared.beat())
                    .await
                    .map_err(|_| ClusterError::Unavailable(format!("no answer within {connect_timeout:?}")))??;
                Ok::<_, ClusterError>((shared, beat))
            }
            .await;
            match connected {
                Ok((shared, beat)) => {
                    *link.shared.lock() = Some(shared.clone());
                    link.outbox.push(ReplicaEvent::Done { ticket, result: Ok(Done::Ok) });
                    link.outbox.push(ReplicaEvent::Beat(beat));
                    link.spawn(shared.clone().heartbeats());
                    link.spawn(shared.clone().read_commands());
                    link.spawn(shared.read_replies());
                }
                Err(error) => link.outbox.push(ReplicaEvent::Done { ticket, result: Err(error) }),
            }
        });
    }

    /// Runs `operation` on the connected link; its outcome is `Done` for `ticket`.
    fn operate<F, Fut>(&self, ticket: u32, operation: F)
    where
        F: FnOnce(Arc<Shared>) -> Fut + Send + 'static,
        Fut: std::future::Future<Output = Result<Done, ClusterError>> + Send,
    {
        let shared = self.shared.lock().clone();
        let outbox = self.outbox.clone();
        let Some(shared) = shared else {
            let error = ClusterError::Unavailable("the orchestrator is not connected".into());
            outbox.push(ReplicaEvent::Done { ticket, result: Err(error) });
            return;
        };
        self.spawn(async move {
            let result = operation(shared).await;
            outbox.push(ReplicaEvent::Done { ticket, result });
        });
    }

    /// Stores a leader's step in `epoch`: `Done::Fenced` if it no longer
    /// leads there. `extras`: JSON objects of its JavaScript (`commit.lua`).
    pub fn commit(&self, ticket: u32, epoch: u64, changes: Changes, extras: Vec<String>) {
        let unstored = self.unstored.clone();
        self.operate(ticket, move |shared| async move {
            let (changes, extras) = match unstored.lock().take() {
                Some((mut earlier, mut earlier_extras)) => {
                    earlier.merge(changes);
                    earlier_extras.extend(extras);
                    (earlier, earlier_extras)
                }
                None => (changes, extras),
            };
            let stored = store(&shared, epoch, &changes, &extras).await;
            if stored.is_err() {
                *unstored.lock() = Some((changes, extras));
            }
            stored
        });
    }

    /// Reads what a new leader resumes from: the machine's part is kept for
    /// `loaded_resume`, the rest is in `Done::Loaded`.
    pub fn load(&self, ticket: u32) {
        let resume = self.resume.clone();
        self.operate(ticket, move |shared| async move {
            let reply: Value = shared.invocation(&LOAD).invoke_async(&mut shared.commands.clone()).await?;
            let (machine, loaded) = parse_load(&reply).map_err(|why| bad_reply(&format!("load: {why}")))?;
            *resume.lock() = Some(machine);
            Ok(Done::Loaded(loaded))
        });
    }

    /// Sends a command to whoever leads, now or later.
    pub fn send(&self, ticket: u32, request: String, command: String) {
        self.operate(ticket, move |shared| async move {
            let mut call = shared.invocation(&SEND);
            call.arg(request).arg(command);
            let _: Value = call.invoke_async(&mut shared.commands.clone()).await?;
            Ok(Done::Ok)
        });
    }

    /// Publishes this replica's jobs' options (name, JSON): the most recently
    /// started replica's are everyone's.
    pub fn define(&self, ticket: u32, definitions: Vec<(String, String)>) {
        self.operate(ticket, move |shared| async move {
            let mut call = shared.invocation(&DEFINE);
            call.arg(definitions.len());
            for (name, options) in &definitions {
                call.arg(name).arg(options);
            }
            let _: Value = call.invoke_async(&mut shared.commands.clone()).await?;
            Ok(Done::Ok)
        });
    }

    /// This replica is no longer alive, nor leads.
    pub fn leave(&self, ticket: u32) {
        self.set_may_lead(false);
        self.operate(ticket, move |shared| async move {
            shared.leading.store(false, Ordering::SeqCst);
            let _: Value = shared.invocation(&LEAVE).invoke_async(&mut shared.commands.clone()).await?;
            Ok(Done::Ok)
        });
    }

    /// Stops every task and the runtime; no event comes after.
    pub fn close(&self) {
        for task in self.tasks.lock().drain(..) {
            task.abort();
        }
        self.shared.lock().take();
        if let Some(runtime) = self.runtime.lock().take() {
            runtime.shutdown_background();
        }
    }
}

impl Drop for ReplicaLink {
    fn drop(&mut self) {
        self.close();
    }
}

impl Shared {
    fn invocation<'a>(&self, script: &'a Script) -> ScriptInvocation<'a> {
        let mut call = script.prepare_invoke();
        for key in self.keys.script_keys() {
            call.key(key);
        }
        call.arg(&self.replica).arg(&self.keys.prefix);
        call
    }

    fn ttl(&self) -> Duration {
        self.heartbeat * 3
    }

    async fn beat(&self) -> Result<Beat, ClusterError> {
        let last_epoch = self.last_epoch.lock().map_or_else(String::new, |epoch| epoch.to_string());
        let version = self.status_version.lock().clone();
        let definitions_version = self.definitions_version.lock().clone();
        let may_lead = self.may_lead.load(Ordering::SeqCst);
        let mut call = self.invocation(&HEARTBEAT);
        call.arg(millis(self.ttl()))
            .arg(last_epoch)
            .arg(if may_lead { "1" } else { "0" })
            .arg(version)
            .arg(definitions_version)
            .arg(self.started.lock().map_or_else(String::new, |at| at.to_string()));
        let sent = Instant::now();
        let local_sent = SystemClock.now();
        let reply: Value = call.invoke_async(&mut self.commands.clone()).await?;
        let round_trip = sent.elapsed().as_millis() as Millis;
        let beat = parse_beat(&reply).ok_or_else(|| bad_reply("heartbeat"))?;
        self.started.lock().get_or_insert(beat.now);
        // Redis read its clock about halfway through the round trip.
        self.offset.store(beat.now - (local_sent + round_trip / 2), Ordering::SeqCst);
        self.leading.store(beat.leading, Ordering::SeqCst);
        if beat.leading {
            *self.last_epoch.lock() = Some(beat.epoch);
        }
        let version_at = |at: usize| items(&reply).and_then(|items| items.get(at)).and_then(text).unwrap_or_default();
        if beat.status.is_some() || beat.leading {
            *self.status_version.lock() = version_at(6);
        }
        if beat.definitions.is_some() {
            *self.definitions_version.lock() = version_at(8);
        }
        Ok(beat)
    }

    async fn heartbeats(self: Arc<Self>) {
        let mut ticker = tokio::time::interval(self.heartbeat);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        ticker.tick().await;
        loop {
            ticker.tick().await;
            let event = match self.beat().await {
                Ok(beat) => ReplicaEvent::Beat(beat),
                Err(error) => {
                    self.leading.store(false, Ordering::SeqCst);
                    ReplicaEvent::Down(error.reason())
                }
            };
            self.outbox.push(event);
        }
    }

    /// The leader's inbox: blocks on the wake list, then reads the commands
    /// (at least once a heartbeat, should a wake-up have gone to a leader
    /// that died with it).
    async fn read_commands(self: Arc<Self>) {
        let mut reader = BlockingConnection::new(self.connector.clone(), self.connect_timeout);
        loop {
            if !self.leading.load(Ordering::SeqCst) {
                tokio::time::sleep(self.heartbeat / 4).await;
                continue;
            }
            let mut blpop = cmd("BLPOP");
            blpop.arg(&self.keys.wake).arg(self.heartbeat.as_secs_f64());
            if reader.query(&blpop, self.heartbeat).await.is_err() {
                tokio::time::sleep(self.heartbeat / 4).await;
                continue;
            }
            let mut drained = redis::pipe();
            drained.cmd("DEL").arg(&self.keys.wake).ignore().cmd("HGETALL").arg(&self.keys.commands);
            let Ok(reply) = drained.query_async::<Value>(&mut self.commands.clone()).await else { continue };
            let commands = items(&reply).and_then(|items| items.first()).map(pairs).unwrap_or_default();
            if !commands.is_empty() && self.leading.load(Ordering::SeqCst) {
                self.outbox.push(ReplicaEvent::Commands(commands));
            }
        }
    }

    /// This replica's replies, as the leader pushes them.
    async fn read_replies(self: Arc<Self>) {
        let mut reader = BlockingConnection::new(self.connector.clone(), self.connect_timeout);
        let list = self.keys.replies(&self.replica);
        loop {
            let mut blpop = cmd("BLPOP");
            blpop.arg(&list).arg(self.heartbeat.as_secs_f64());
            let first = match reader.query(&blpop, self.heartbeat).await {
                Ok(reply) => items(&reply).and_then(|items| items.get(1)).and_then(text),
                Err(_) => {
                    tokio::time::sleep(self.heartbeat / 4).await;
                    continue;
                }
            };
            let Some(first) = first else { continue };
            let mut replies = vec![first];
            let mut rest = cmd("LPOP");
            rest.arg(&list).arg(1000);
            if let Ok(more) = rest.query_async::<Value>(&mut self.commands.clone()).await {
                replies.extend(items(&more).unwrap_or_default().iter().filter_map(text));
            }
            self.outbox.push(ReplicaEvent::Replies(replies));
        }
    }
}

/// `[field, value, ...]` (or a RESP3 map) as text pairs.
fn pairs(value: &Value) -> Vec<(String, String)> {
    match value {
        Value::Map(entries) => entries.iter().filter_map(|(k, v)| Some((text(k)?, text(v)?))).collect(),
        other => items(other)
            .unwrap_or_default()
            .chunks(2)
            .filter_map(|pair| Some((text(pair.first()?)?, text(pair.get(1)?)?)))
            .collect(),
    }
}

/// One commit, as `commit.lua` takes it.
async fn store(shared: &Shared, epoch: u64, changes: &Changes, extras: &[String]) -> Result<Done, ClusterError> {
    let Counters { next_run_id, next_order, next_dead_letter_id } = changes.counters;
    let mut call = shared.invocation(&COMMIT);
    call.arg(epoch).arg(next_run_id).arg(next_order).arg(next_dead_letter_id);
    call.arg(changes.jobs.len());
    for (name, record) in &changes.jobs {
        call.arg(name).arg(job_record(record));
    }
    call.arg(changes.letters.len());
    for letter in &changes.letters {
        call.arg(letter.id);
        for value in letter_values(letter) {
            call.arg(value);
        }
    }
    call.arg(changes.removed_letters.len());
    for id in &changes.removed_letters {
        call.arg(*id);
    }
    call.arg(extras.len());
    for extra in extras {
        call.arg(extra);
    }
    let reply: Value = call.invoke_async(&mut shared.commands.clone()).await?;
    match text(&reply).as_deref() {
        Some("ok") => Ok(Done::Ok),
        Some("fenced") => Ok(Done::Fenced),
        _ => Err(bad_reply("commit")),
    }
}

fn parse_beat(reply: &Value) -> Option<Beat> {
    let items = items(reply)?;
    let leader = text(items.get(3)?)?;
    let status = text(items.get(7)?)?;
    Some(Beat {
        now: int(items.first()?)?,
        leading: text(items.get(1)?)? == "leader",
        epoch: int(items.get(2)?)? as u64,
        leader: (!leader.is_empty()).then_some(leader),
        replicas: int(items.get(4)?)? as u64,
        alive_since: int(items.get(5)?)?,
        status: (!status.is_empty()).then_some(status),
        definitions: {
            let definitions = pairs(items.get(9)?);
            (!definitions.is_empty()).then_some(definitions)
        },
    })
}

fn parse_load(reply: &Value) -> Result<(Resume, Loaded), String> {
    let items = items(reply).ok_or("not an array")?;
    let item = |at: usize| items.get(at).ok_or_else(|| format!("no item {at}"));
    let now = int(item(0)?).ok_or("no time")?;
    let alive_since = int(item(1)?).unwrap_or(now);
    let meta: HashMap<String, String> = pairs(item(2)?).into_iter().collect();
    let counter = |name: &str| meta.get(name).and_then(|value| value.parse().ok()).unwrap_or(0);
    let counters = Counters {
        next_run_id: counter("nextRunId"),
        next_order: counter("nextOrder"),
        next_dead_letter_id: counter("nextLetterId"),
    };
    let mut jobs = HashMap::new();
    for (name, record) in pairs(item(3)?) {
        let record = parse_job_record(&record).map_err(|why| format!("job '{name}': {why}"))?;
        jobs.insert(name, record);
    }
    let mut dead_letters = Vec::new();
    let mut letters = Vec::new();
    for letter in crate::cluster::value::items(item(4)?).ok_or("letters")? {
        let fields = Fields(pairs(letter).into_iter().collect());
        let letter = fields.dead_letter()?;
        letters.push((letter.id, fields.get("payload").map(str::to_owned), fields.get("value").map(str::to_owned)));
        dead_letters.push(letter);
    }
    let loaded = Loaded { runs: pairs(item(5)?), commands: pairs(item(6)?), letters };
    let resume = Resume { counters, jobs, dead_letters, lost_runs: Vec::new(), alive_since };
    Ok((resume, loaded))
}
