//! One node's handle on a queue: submitting, reading, acknowledging, and
//! reading its own results. Recovery (claims, take-back, renewals) is in
//! `recovery`, figures in `stats`.

use std::sync::Arc;
use std::time::Duration;

use futures_util::future::try_join_all;
use redis::{Script, ScriptInvocation, Value};
use tokio::sync::Mutex;

use super::connection::{connect_commands, BlockingConnection, Commands};
use super::error::{bad_reply, ClusterError};
use super::keys::{Keys, GROUP};
use super::options::{millis, ClusterOptions};
use super::results::ResultRecord;
use super::scripts;
use super::task::{ClusterTask, Delivery, EntryId, NewClusterTask};
use super::value::{self, RawEntry};

/// Tasks per submit script call: long scripts block Redis for everyone.
const SUBMIT_CHUNK: usize = 256;
/// Results taken per read of the result stream.
const RESULTS_PER_READ: usize = 1024;

/// A task the queue took: its entry, and the queue's epoch then (see
/// `Keys::epoch`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Submitted {
    pub entry: EntryId,
    pub epoch: Arc<str>,
}

/// What a read gave this node.
#[derive(Debug, Default)]
pub struct Read {
    /// To start at once: their death would be charged.
    pub started: Vec<Delivery>,
    /// Read ahead, held unstarted until `Queue::start_batch` says otherwise.
    pub waiting: Vec<Delivery>,
}

/// What became of an abort.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Aborted {
    /// It was never delivered: deleted, it will never run.
    Deleted,
    /// A node holds it: marked, that node stops it.
    Marked,
    /// The queue no longer knows it (it already ended).
    Unknown,
}

/// What became of an acknowledgement.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ack {
    /// The outcome was published to the submitter and the entry forgotten.
    Acked,
    /// This node no longer holds the entry at that delivery count: nothing done.
    Stale,
}

/// Awaited tasks no node will ever report, as an audit found them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Audited {
    /// Deleted from the queue before any node read them.
    pub deleted: Vec<EntryId>,
    /// Settled, but their result records are gone unread.
    pub results_lost: Vec<EntryId>,
}

/// A node connected to a queue.
pub struct Queue {
    pub(super) keys: Keys,
    pub(super) node: String,
    pub(super) options: ClusterOptions,
    pub(super) commands: Commands,
    /// Blocking `XREADGROUP`, alone on its connection.
    tasks_reader: Mutex<BlockingConnection>,
    /// Blocking `XREAD` of this node's result stream, alone on its connection.
    results_reader: Mutex<BlockingConnection>,
    /// Where the next read of the result stream starts.
    results_cursor: parking_lot::Mutex<EntryId>,
    /// The last result record whose task is no longer awaited (its result
    /// reported): what follows it in the stream is all an audit must find.
    results_reported: parking_lot::Mutex<EntryId>,
    /// The queue's epoch as the last heartbeat saw it.
    epoch: parking_lot::Mutex<Option<Arc<str>>>,
    /// Where the next `XAUTOCLAIM` scan of each lane starts: (priority, cursor).
    pub(super) claim_cursors: parking_lot::Mutex<Vec<(String, String)>>,
}

impl Queue {
    /// Connects and announces the node (its first heartbeat makes the queue
    /// if it is new, see `heartbeat`). Fails
    /// with `Unavailable` within `options.connect_timeout` when Redis cannot
    /// be reached, refuses the URL's credentials or shows a certificate that
    /// is not trusted.
    pub async fn connect(url: &str, queue: &str, node: &str, options: ClusterOptions) -> Result<Queue, ClusterError> {
        let (connector, commands) = connect_commands(url, &options).await?;
        let timeout = options.connect_timeout;
        let queue = Queue {
            keys: Keys::new(queue),
            node: node.to_string(),
            options,
            commands,
            tasks_reader: Mutex::new(BlockingConnection::new(connector.clone(), timeout)),
            results_reader: Mutex::new(BlockingConnection::new(connector, timeout)),
            results_cursor: parking_lot::Mutex::new(EntryId("0-0".into())),
            results_reported: parking_lot::Mutex::new(EntryId("0-0".into())),
            epoch: parking_lot::Mutex::new(None),
            claim_cursors: parking_lot::Mutex::new(Vec::new()),
        };
        queue.heartbeat().await?;
        Ok(queue)
    }

    #[cfg(test)]
    pub fn keys(&self) -> &Keys {
        &self.keys
    }

    /// A script call with the keys and leading arguments every script expects.
    pub(super) fn invocation<'a>(&self, script: &'a Script) -> ScriptInvocation<'a> {
        let mut call = script.prepare_invoke();
        for key in self.keys.script_keys() {
            call.key(key);
        }
        call.arg(GROUP)
            .arg(&self.node)
            .arg(&self.keys.results_prefix)
            .arg(millis(self.options.result_ttl))
            .arg(&self.keys.heartbeat_prefix);
        call
    }

    pub(super) async fn run(&self, call: &ScriptInvocation<'_>) -> Result<Value, ClusterError> {
        Ok(call.invoke_async(&mut self.commands.clone()).await?)
    }

    /// Adds tasks to the queue; returns their entry ids in order, `None` for
    /// a task refused because the backlog is at `max_queue`. Each entry
    /// and its owner record are written by one script call per chunk. The
    /// first chunk goes alone, so that the script is loaded (EVALSHA falls
    /// back to loading it on NOSCRIPT); the rest go out together on the
    /// multiplexed connection, pipelined in order: one more round trip in all,
    /// and the stream keeps the submission order.
    pub async fn submit_batch(&self, tasks: &[NewClusterTask]) -> Result<Vec<Option<Submitted>>, ClusterError> {
        let mut chunks = tasks.chunks(SUBMIT_CHUNK);
        let Some(first) = chunks.next() else { return Ok(Vec::new()) };
        let mut ids = self.submit_chunk(first).await?;
        let rest: Vec<Vec<Option<Submitted>>> = try_join_all(chunks.map(|chunk| self.submit_chunk(chunk))).await?;
        ids.extend(rest.into_iter().flatten());
        Ok(ids)
    }

    async fn submit_chunk(&self, chunk: &[NewClusterTask]) -> Result<Vec<Option<Submitted>>, ClusterError> {
        let mut call = self.invocation(&scripts::SUBMIT);
        call.arg(self.options.max_queue.map_or(-1, |max| max.min(i64::MAX as u64) as i64));
        for task in chunk {
            let timeout = task.timeout_ms.map(|ms| ms.to_string()).unwrap_or_default();
            call.arg(task.task_id).arg(&task.handler).arg(&task.payload).arg(timeout).arg(task.retries);
            call.arg(task.priority);
        }
        let reply = self.run(&call).await?;
        let [epoch, ids] = value::items(&reply).ok_or_else(|| bad_reply("submit"))? else {
            return Err(bad_reply("submit"));
        };
        let epoch: Arc<str> = value::text(epoch).ok_or_else(|| bad_reply("submit epoch"))?.into();
        let ids = value::items(ids).ok_or_else(|| bad_reply("submit ids"))?;
        ids.iter()
            .map(|id| match id {
                Value::Int(0) => Ok(None),
                id => value::text(id)
                    .map(|id| Some(Submitted { entry: EntryId(id), epoch: epoch.clone() }))
                    .ok_or_else(|| bad_reply("submit id")),
            })
            .collect()
    }

    /// Reads new tasks, highest priority first: `start` that this node
    /// starts at once (its free workers) and up to `ahead` more that it holds
    /// unstarted (read ahead: its death does not charge them; see `start`).
    /// When none is waiting and `start` > 0, waits up to `block` for the
    /// first, which starts at once. Invalid entries are dead-lettered on the
    /// way and never returned.
    pub async fn read(&self, start: usize, ahead: usize, block: Duration) -> Result<Read, ClusterError> {
        if start + ahead == 0 {
            return Ok(Read::default());
        }
        // Entries read with `>` are on their first delivery, and none is
        // aborted: an abort deletes an entry never delivered (`abort.lua`).
        let mut call = self.invocation(&scripts::READ);
        call.arg(start + ahead).arg(start);
        let reply = self.run(&call).await?;
        let parts = value::items(&reply).ok_or_else(|| bad_reply("read"))?;
        let [read, lanes] = parts else { return Err(bad_reply("read")) };
        let read = value::items(read).ok_or_else(|| bad_reply("read entries"))?;
        if !read.is_empty() {
            let mut entries: Vec<(RawEntry, u64)> =
                read.iter().map(|item| Ok((value::entry(item)?, 1))).collect::<Result<_, ClusterError>>()?;
            let waiting = entries.split_off(start.min(entries.len()));
            return Ok(Read {
                started: self.parse_or_reject(entries).await?,
                waiting: self.parse_or_reject(waiting).await?,
            });
        }
        if start == 0 {
            return Ok(Read::default());
        }
        // Nothing waiting: wait on every lane for the first task to come. It
        // is not marked unstarted: it starts as soon as it arrives.
        let lanes = value::items(lanes).ok_or_else(|| bad_reply("read lanes"))?;
        let lanes: Option<Vec<String>> = lanes.iter().map(value::text).collect();
        let lanes = lanes.filter(|lanes| !lanes.is_empty()).ok_or_else(|| bad_reply("read lanes"))?;
        let mut cmd = redis::cmd("XREADGROUP");
        cmd.arg("GROUP").arg(GROUP).arg(&self.node).arg("COUNT").arg(1);
        cmd.arg("BLOCK").arg(millis(block)).arg("STREAMS").arg(&lanes);
        for _ in &lanes {
            cmd.arg(">");
        }
        let reply = match self.tasks_reader.lock().await.query(&cmd, block).await {
            // A lane it waited on was removed (empty for long, see
            // `heartbeat`): the next read lists the lanes again.
            Err(ClusterError::Protocol(why)) if why.contains("UNBLOCKED") => return Ok(Read::default()),
            other => other?,
        };
        let mut entries = Vec::new();
        for (lane, mut raw) in value::read_reply_by_stream(&reply)? {
            let priority = self.keys.priority_of(&lane).ok_or_else(|| bad_reply("read lane"))?;
            raw.id = format!("{priority}:{}", raw.id);
            entries.push((raw, 1));
        }
        Ok(Read { started: self.parse_or_reject(entries).await?, waiting: Vec::new() })
    }

    /// Records that this node starts entries it holds unstarted, before it
    /// starts them (see `settle.lua`): whether each is still this node's to
    /// start, in order.
    pub async fn start_batch(&self, entries: &[(EntryId, u64)]) -> Result<Vec<bool>, ClusterError> {
        Ok(self.settle(&[], entries).await?.1)
    }

    /// Turns entries this node has claimed into deliveries: garbage is
    /// dead-lettered, aborted tasks are flagged.
    pub(super) async fn accept(&self, entries: Vec<(RawEntry, u64)>) -> Result<Vec<Delivery>, ClusterError> {
        let mut deliveries = self.parse_or_reject(entries).await?;
        if !deliveries.is_empty() {
            let mut cmd = redis::cmd("SMISMEMBER");
            cmd.arg(&self.keys.aborted);
            for delivery in &deliveries {
                cmd.arg(&delivery.entry_id.0);
            }
            let flags: Vec<bool> = cmd.query_async(&mut self.commands.clone()).await?;
            for (delivery, aborted) in deliveries.iter_mut().zip(flags) {
                delivery.aborted = aborted;
            }
        }
        Ok(deliveries)
    }

    /// Entries as deliveries; garbage is dead-lettered on the way.
    async fn parse_or_reject(&self, entries: Vec<(RawEntry, u64)>) -> Result<Vec<Delivery>, ClusterError> {
        let mut deliveries = Vec::with_capacity(entries.len());
        for (raw, delivery_count) in entries {
            match ClusterTask::parse(&raw.fields) {
                Ok(task) => {
                    deliveries.push(Delivery { entry_id: EntryId(raw.id), delivery_count, task, aborted: false })
                }
                Err(reason) => {
                    let mut call = self.invocation(&scripts::REJECT);
                    call.arg(&raw.id).arg(delivery_count).arg(reason).arg(self.options.dead_letter_limit_arg());
                    self.run(&call).await?;
                }
            }
        }
        Ok(deliveries)
    }

    /// Acknowledges a task with its outcome (opaque bytes for the submitter),
    /// fenced on this node still holding it at `delivery_count`. Idempotent:
    /// repeating an ack whose reply was lost gets `Stale` and publishes nothing.
    #[cfg(test)]
    pub async fn ack(&self, entry: &EntryId, delivery_count: u64, outcome: &[u8]) -> Result<Ack, ClusterError> {
        let acks = self.ack_batch(&[(entry.clone(), delivery_count, outcome.to_vec())]).await?;
        acks.first().copied().ok_or_else(|| bad_reply("ack"))
    }

    /// Acknowledges many tasks at once, each fenced on its own (see `ack`).
    pub async fn ack_batch(&self, acks: &[(EntryId, u64, Vec<u8>)]) -> Result<Vec<Ack>, ClusterError> {
        Ok(self.settle(acks, &[]).await?.0)
    }

    /// Acknowledges tasks (see `ack`) and records the start of others (see
    /// `start_batch`) in one script call per chunk, the chunks pipelined: a
    /// worker that ends one task and starts the next costs one round trip.
    /// The starts go with the first chunk.
    pub async fn settle(
        &self,
        acks: &[(EntryId, u64, Vec<u8>)],
        starts: &[(EntryId, u64)],
    ) -> Result<(Vec<Ack>, Vec<bool>), ClusterError> {
        let mut chunks = acks.chunks(SUBMIT_CHUNK);
        let first = self.settle_chunk(chunks.next().unwrap_or_default(), starts);
        let rest = try_join_all(chunks.map(|chunk| self.settle_chunk(chunk, &[])));
        let ((mut acked, started), rest) = tokio::try_join!(first, rest)?;
        acked.extend(rest.into_iter().flat_map(|(acked, _)| acked));
        Ok((acked, started))
    }

    async fn settle_chunk(
        &self,
        acks: &[(EntryId, u64, Vec<u8>)],
        starts: &[(EntryId, u64)],
    ) -> Result<(Vec<Ack>, Vec<bool>), ClusterError> {
        if acks.is_empty() && starts.is_empty() {
            return Ok((Vec::new(), Vec::new()));
        }
        let mut call = self.invocation(&scripts::SETTLE);
        call.arg(acks.len());
        for (entry, delivery_count, outcome) in acks {
            call.arg(&entry.0).arg(*delivery_count).arg(outcome.as_slice());
        }
        for (entry, delivery_count) in starts {
            call.arg(&entry.0).arg(*delivery_count);
        }
        let reply = self.run(&call).await?;
        let statuses = |part: &Value, len: usize| {
            let statuses = value::items(part).filter(|statuses| statuses.len() == len);
            statuses.map(|statuses| statuses.iter().map(|status| value::int(status) == Some(1)).collect::<Vec<_>>())
        };
        let parts = value::items(&reply).ok_or_else(|| bad_reply("settle"))?;
        let [acked, started] = parts else { return Err(bad_reply("settle")) };
        let acked = statuses(acked, acks.len()).ok_or_else(|| bad_reply("settle acks"))?;
        let started = statuses(started, starts.len()).ok_or_else(|| bad_reply("settle starts"))?;
        let acked = acked.into_iter().map(|acked| if acked { Ack::Acked } else { Ack::Stale }).collect();
        Ok((acked, started))
    }

    /// Gives up on a submitted task (its submitter's signal aborted).
    pub async fn abort(&self, entry: &EntryId) -> Result<Aborted, ClusterError> {
        let mut call = self.invocation(&scripts::ABORT);
        call.arg(&entry.0);
        Ok(match value::int(&self.run(&call).await?) {
            Some(2) => Aborted::Deleted,
            Some(1) => Aborted::Marked,
            _ => Aborted::Unknown,
        })
    }

    /// The records of this node's result stream up to `last` are read and
    /// their tasks no longer awaited.
    pub fn results_reported(&self, last: &EntryId) {
        *self.results_reported.lock() = last.clone();
    }

    /// Where the records an audit must look at begin: taken before the
    /// audited tasks are chosen, so that a task still awaited then has its
    /// result (if any) after this.
    pub fn unreported_results_from(&self) -> EntryId {
        self.results_reported.lock().clone()
    }

    /// Looks at entries this node submitted and still awaits, whose results
    /// would come after `unreported_from` (see `audit.lua`): returns those no
    /// node will ever report.
    pub async fn audit(&self, unreported_from: &EntryId, entries: &[EntryId]) -> Result<Audited, ClusterError> {
        if entries.is_empty() {
            return Ok(Audited::default());
        }
        let mut call = self.invocation(&scripts::AUDIT);
        call.arg(&unreported_from.0);
        for entry in entries {
            call.arg(&entry.0);
        }
        let reply = self.run(&call).await?;
        let parts = value::items(&reply).ok_or_else(|| bad_reply("audit"))?;
        let ids = |at: usize| value::entry_ids(parts.get(at).ok_or_else(|| bad_reply("audit"))?, "audit");
        Ok(Audited { deleted: ids(0)?, results_lost: ids(1)? })
    }

    /// Renews this node's heartbeat key (TTL: three heartbeats) and its place
    /// in the nodes set; checks that the queue is whole, beginning a new
    /// epoch if Redis lost any of it (or making it, the first time); removes
    /// the lanes empty for `ClusterOptions::lane_retention`. Returns the
    /// queue's epoch.
    pub async fn heartbeat(&self) -> Result<Arc<str>, ClusterError> {
        let mut call = self.invocation(&scripts::HEARTBEAT);
        call.arg(millis(self.options.heartbeat_ttl()))
            .arg(self.options.workers)
            .arg(millis(self.options.lane_retention()));
        let reply = self.run(&call).await?;
        let epoch = value::items(&reply).and_then(|parts| parts.get(1)).and_then(value::text);
        let epoch: Arc<str> = epoch.map(Arc::from).ok_or_else(|| bad_reply("heartbeat"))?;
        let previous = self.epoch.lock().replace(epoch.clone());
        if previous.is_some_and(|previous| previous != epoch) {
            // A queue Redis lost and made again: its streams start afresh, and
            // their ids may be below the old ones (a server whose clock is
            // behind), so the cursors start again from the beginning.
            *self.results_cursor.lock() = EntryId("0-0".into());
            *self.results_reported.lock() = EntryId("0-0".into());
            self.claim_cursors.lock().clear();
        }
        Ok(epoch)
    }

    /// Hands entries this node holds back to the queue at once (see
    /// `release.lua`): (entry, delivery count, whether to charge the delivery).
    pub async fn release_batch(&self, entries: &[(EntryId, u64, bool)]) -> Result<(), ClusterError> {
        if entries.is_empty() {
            return Ok(());
        }
        let mut call = self.invocation(&scripts::RELEASE);
        call.arg(millis(self.options.visibility_timeout));
        for (entry, delivery_count, charge) in entries {
            call.arg(&entry.0).arg(*delivery_count).arg(u8::from(*charge));
        }
        self.run(&call).await?;
        Ok(())
    }

    /// Leaves the queue: closes the blocking read (a read in flight could
    /// otherwise hand this node tasks after it left), then hands back
    /// whatever this node still holds, uncharged, and stops announcing it
    /// (`leave.lua`). Call it once the outcomes it has are acknowledged.
    pub async fn leave(&self) -> Result<(), ClusterError> {
        self.tasks_reader.lock().await.close();
        let mut call = self.invocation(&scripts::LEAVE);
        call.arg(millis(self.options.visibility_timeout));
        self.run(&call).await?;
        Ok(())
    }

    /// Stops announcing this node at once and hands nothing back itself:
    /// the others take back what it holds at their next heartbeat, as a
    /// dead node's (what it had started charged a delivery, what it held
    /// unstarted not). For a node that cannot go on (see `node::failure`).
    pub async fn abandon(&self) -> Result<(), ClusterError> {
        let mut cmd = redis::cmd("DEL");
        cmd.arg(self.keys.heartbeat(&self.node));
        cmd.query_async::<Value>(&mut self.commands.clone()).await?;
        Ok(())
    }

    /// Reads the outcomes of this node's tasks, waiting up to `block` for the
    /// first. Records the protocol did not write are skipped.
    pub async fn read_results(&self, block: Duration) -> Result<Vec<ResultRecord>, ClusterError> {
        let cursor = self.results_cursor.lock().clone();
        let mut cmd = redis::cmd("XREAD");
        cmd.arg("COUNT").arg(RESULTS_PER_READ).arg("BLOCK").arg(millis(block));
        cmd.arg("STREAMS").arg(self.keys.results(&self.node)).arg(&cursor.0);
        let reply = self.results_reader.lock().await.query(&cmd, block).await?;
        let entries = value::read_reply(&reply)?;
        if let Some(last) = entries.last() {
            *self.results_cursor.lock() = EntryId(last.id.clone());
        }
        Ok(entries.iter().filter_map(ResultRecord::parse).collect())
    }

    /// Drops the records of this node's result stream up to `up_to` included,
    /// once their promises are settled.
    pub async fn trim_results(&self, up_to: &EntryId) -> Result<(), ClusterError> {
        let next = up_to.successor().ok_or_else(|| bad_reply("result id"))?;
        let mut cmd = redis::cmd("XTRIM");
        cmd.arg(self.keys.results(&self.node)).arg("MINID").arg(&next.0);
        cmd.query_async::<Value>(&mut self.commands.clone()).await?;
        Ok(())
    }
}
