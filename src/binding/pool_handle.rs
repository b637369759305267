//! The main thread's handle on a pool.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use napi::bindgen_prelude::{BufferSlice, Either, Function, Unknown};
use napi::{Env, Result};
use napi_derive::napi;

use super::buffers::new_buffer;
use super::cluster::{self, ClusterLink, ClusterOptionsObject, ClusterStatsObject};
use super::cluster_events::EventRouter;
use super::main_doorbell::MainDoorbell;
use super::options::{duration_ms, PoolOptions, ProcessOptions};
use super::stats::{self, ExportedTimesObject, PoolStatsObject};
use super::{registry, wire};
use crate::core::{
    Event, HandlerId, HandlerSpec, Host, NewTask, Pool, PoolConfig, SubmitError, TaskId, TimerThread, WorkerExit,
    WorkerId,
};
use crate::process::{self, Supervisor};

/// Why `submit` refused a task (the core's `SubmitError`, by name).
#[napi(string_enum)]
pub enum SubmitRefusal {
    QueueFull,
    /// `close()` or `dispose()` was called.
    Closed,
    /// No worker can start (see `SubmitError::StartFailing`).
    StartFailing,
}

impl From<SubmitError> for SubmitRefusal {
    fn from(error: SubmitError) -> Self {
        match error {
            SubmitError::QueueFull => SubmitRefusal::QueueFull,
            SubmitError::Closed => SubmitRefusal::Closed,
            SubmitError::StartFailing => SubmitRefusal::StartFailing,
        }
    }
}

/// The payload an announced task reaches its worker with (the task runner
/// reads it as "on the side channel"): neither JSON text nor v8's format.
pub(super) const ANNOUNCED_PAYLOAD: u8 = 0x01;

/// A task's id, or why it was refused.
type Submitted = Either<f64, SubmitRefusal>;

#[napi]
pub struct PoolHandle {
    id: u32,
    pool: Arc<Pool>,
    doorbell: Arc<MainDoorbell>,
    /// `Some` for process workers, which Rust starts and stops itself.
    processes: Option<Arc<Supervisor>>,
    /// `Some` for a cluster pool: its node of the queue.
    cluster: Option<ClusterLink>,
    /// Events taken from the core that did not fit in the last `drain`'s
    /// scratch: they come first in the next one (the main thread's only).
    undrained: RefCell<VecDeque<Event>>,
}

#[napi]
impl PoolHandle {
    /// `on_events` is called (with no arguments) whenever events are waiting;
    /// it should call `drain()`.
    #[napi(constructor)]
    pub fn new(
        env: &Env,
        options: PoolOptions,
        process: Option<ProcessOptions>,
        on_events: Function<(), Unknown<'static>>,
        cluster: Option<ClusterOptionsObject>,
    ) -> Result<Self> {
        // Named as the class users construct: it is what a tool listing
        // what holds the process (jest's --detectOpenHandles) shows.
        let doorbell = Arc::new(MainDoorbell::new(env, "ParallelProcessor", on_events)?);
        // A cluster pool's events pass through its node first (see `cluster_events`).
        let events = cluster.as_ref().map(|_| Arc::new(EventRouter::new(doorbell.clone())));
        let host: Arc<dyn Host> = match &events {
            Some(events) => events.clone(),
            None => doorbell.clone(),
        };
        let mut config = PoolConfig::try_from(options)?;
        if cluster.is_some() {
            // A node's worker gets its next task after a round trip to Redis
            // (its start record), far longer than a linger: spinning for it
            // would only burn CPU.
            config.linger = Duration::ZERO;
        }
        let timers = TimerThread::global();
        let (pool, processes) = match process {
            None => (Pool::new(config, host, timers), None),
            // Rust starts and stops the children itself, the moment the core
            // decides: a busy main thread delays no kill.
            Some(options) => {
                process::prepare().map_err(|error| {
                    napi::Error::from_reason(format!("Could not start the process workers' spawner thread: {error}"))
                })?;
                let mut supervisor = None;
                let pool = Pool::with_launcher(config, host, timers.clone(), |pool| {
                    let children = Supervisor::new(pool, options.into(), timers);
                    supervisor = Some(children.clone());
                    children
                });
                (pool, supervisor)
            }
        };
        let cluster = match (cluster, events) {
            (Some(options), Some(events)) => {
                Some(ClusterLink::start(&options, &pool, processes.is_some(), doorbell.clone(), events)?)
            }
            _ => None,
        };
        let id = registry::register(pool.clone());
        Ok(PoolHandle { id, pool, doorbell, processes, cluster, undrained: RefCell::default() })
    }

    #[napi(getter)]
    pub fn id(&self) -> u32 {
        self.id
    }

    #[napi]
    pub fn start(&self) {
        self.pool.start();
    }

    #[napi]
    pub fn register_handler(&self, filename: Option<String>, name: Option<String>) -> u32 {
        self.pool.register_handler(HandlerSpec { filename, name }).0
    }

    /// Submits a payload in v8's serialization format.
    #[napi(ts_return_type = "number | SubmitRefusal")]
    pub fn submit(
        &self,
        handler: u32,
        payload: BufferSlice,
        timeout_ms: f64,
        priority: i32,
        retries: u32,
    ) -> Submitted {
        self.submit_bytes(handler, payload.to_vec(), timeout_ms, priority, retries, false)
    }

    /// Submits a payload in v8's serialization format given in two parts: its
    /// head, and the bytes of the big typed array it is (see
    /// `serializedParts` in `lib/shared/codec.js`). They are joined by this one copy.
    #[napi(ts_return_type = "number | SubmitRefusal")]
    pub fn submit_parts(
        &self,
        handler: u32,
        head: BufferSlice,
        bytes: BufferSlice,
        timeout_ms: f64,
        priority: i32,
        retries: u32,
    ) -> Submitted {
        let mut payload = Vec::with_capacity(head.len() + bytes.len());
        payload.extend_from_slice(&head);
        payload.extend_from_slice(&bytes);
        self.submit_bytes(handler, payload, timeout_ms, priority, retries, false)
    }

    /// Submits a payload as JSON text (see `lib/shared/codec.js`): no Buffer is made for it.
    #[napi(ts_return_type = "number | SubmitRefusal")]
    pub fn submit_text(
        &self,
        handler: u32,
        payload: String,
        timeout_ms: f64,
        priority: i32,
        retries: u32,
    ) -> Submitted {
        self.submit_bytes(handler, payload.into_bytes(), timeout_ms, priority, retries, false)
    }

    /// Submits a task whose payload travels beside the core (see
    /// `NewTask::announce`): the pool says which worker takes it
    /// (TaskAssigned), and JavaScript posts the payload to that worker.
    #[napi(ts_return_type = "number | SubmitRefusal")]
    pub fn submit_announced(&self, handler: u32, timeout_ms: f64, priority: i32, retries: u32) -> Submitted {
        self.submit_bytes(handler, vec![ANNOUNCED_PAYLOAD], timeout_ms, priority, retries, true)
    }

    fn submit_bytes(
        &self,
        handler: u32,
        payload: Vec<u8>,
        timeout_ms: f64,
        priority: i32,
        retries: u32,
        announce: bool,
    ) -> Submitted {
        let task = NewTask {
            handler: HandlerId(handler),
            payload,
            timeout: duration_ms(timeout_ms),
            priority,
            retries,
            announce,
        };
        let submitted = match &self.processes {
            // A task for an idle process worker is written to it from here.
            Some(_) => process::deliver_directly(|| self.pool.submit(task)),
            None => self.pool.submit(task),
        };
        match submitted {
            Ok(id) => Either::A(id.0 as f64),
            Err(refusal) => Either::B(refusal.into()),
        }
    }

    /// The waiting events, oldest first, encoded (see `wire`): as many as
    /// fit are written into `scratch` (the length is returned); an event
    /// bigger than `scratch` comes alone, in a new buffer. `null` when there
    /// is none; the caller calls again until then. Reusing `scratch` saves an
    /// allocation per wake-up, and a long backlog (100,000 results that
    /// arrived while the main thread was busy) is read a scratch at a time,
    /// each part freed as it is read, rather than copied whole into one buffer.
    #[napi]
    pub fn drain<'env>(
        &self,
        env: &'env Env,
        mut scratch: BufferSlice,
    ) -> Result<Option<Either<u32, BufferSlice<'env>>>> {
        if let Some(cluster) = &self.cluster {
            return self.drain_cluster(env, scratch, cluster);
        }
        let mut undrained = self.undrained.borrow_mut();
        if undrained.is_empty() {
            *undrained = self.pool.take_events().into();
        }
        let mut len = 0;
        let mut count = 0;
        for event in undrained.iter() {
            let event_len = wire::event_len(event);
            if count > 0 && len + event_len > scratch.len() {
                break;
            }
            len += event_len;
            count += 1;
        }
        if count == 0 {
            return Ok(None);
        }
        let events: Vec<Event> = undrained.drain(..count).collect();
        if undrained.is_empty() && undrained.capacity() > 1024 {
            // Not kept at the size of the last backlog.
            *undrained = VecDeque::new();
        }
        drop(undrained);
        if len <= scratch.len() {
            wire::write_events(&events, &mut scratch[..len]);
            return Ok(Some(Either::A(len as u32)));
        }
        new_buffer(env, len, |out| wire::write_events(&events, out)).map(|buffer| Some(Either::B(buffer)))
    }

    /// `drain` for a cluster pool: the settlements of delivered tasks were
    /// acknowledged instead, and the submitter's results join the events.
    fn drain_cluster<'env>(
        &self,
        env: &'env Env,
        mut scratch: BufferSlice,
        cluster: &ClusterLink,
    ) -> Result<Option<Either<u32, BufferSlice<'env>>>> {
        let events = cluster.take_events(&self.pool);
        let (results, left) = cluster.node.take_results();
        let bytes: Vec<Vec<u8>> = results.iter().map(cluster::result_bytes).collect();
        let mut batch = wire::Batch::new(&events);
        for (result, bytes) in results.iter().zip(&bytes) {
            batch.cluster_result(result.task_id, result.kind as u8, result.deliveries, bytes);
        }
        if left {
            batch.cluster_left();
        }
        if batch.is_empty() {
            return Ok(None);
        }
        let len = batch.len();
        if len <= scratch.len() {
            batch.write(&mut scratch[..len]);
            return Ok(Some(Either::A(len as u32)));
        }
        new_buffer(env, len, |out| batch.write(out)).map(|buffer| Some(Either::B(buffer)))
    }

    /// Cluster pools: hands a task to the queue; returns its id. Its end
    /// comes back as a ClusterSettled event.
    #[napi]
    pub fn cluster_submit(
        &self,
        handler: String,
        payload: Either<String, BufferSlice>,
        timeout_ms: f64,
        priority: i32,
        retries: u32,
    ) -> Result<f64> {
        let payload = match payload {
            Either::A(text) => text.into_bytes(),
            Either::B(bytes) => bytes.to_vec(),
        };
        let submission = crate::cluster::node::Submission {
            handler,
            payload,
            timeout_ms: duration_ms(timeout_ms).map(|timeout| timeout.as_millis() as u64),
            retries,
            priority,
        };
        Ok(self.node()?.submit(submission) as f64)
    }

    /// Cluster pools: the submitter gave up on a task (it settles it itself).
    #[napi]
    pub fn cluster_abort(&self, task_id: f64) -> Result<()> {
        self.node()?.abort(task_id as u64);
        Ok(())
    }

    /// Cluster pools, after `dispose()` and the drain that follows it: leave
    /// the queue (a ClusterLeft event follows).
    #[napi]
    pub fn cluster_leave(&self) -> Result<()> {
        self.node()?.dispose();
        Ok(())
    }

    #[napi(getter)]
    pub fn cluster_node_id(&self) -> Option<String> {
        self.cluster.as_ref().map(|cluster| cluster.node.id().to_string())
    }

    /// `stats().cluster`, as of the last heartbeat.
    #[napi]
    pub fn cluster_stats(&self) -> Result<ClusterStatsObject> {
        let node = self.node()?;
        Ok(cluster::stats_object(node.id(), node.stats(), node.redelivered()))
    }

    fn node(&self) -> Result<&crate::cluster::node::ClusterNode> {
        self.cluster.as_ref().map(|cluster| &cluster.node).ok_or_else(|| napi::Error::from_reason("not a cluster pool"))
    }

    /// Whether the pool holds the event loop open (true while tasks are pending).
    #[napi]
    pub fn set_referenced(&self, env: &Env, referenced: bool) -> Result<()> {
        self.doorbell.set_referenced(env, referenced)
    }

    /// A worker thread has exited; a WORKER_EXITED event follows. `cause`:
    /// its uncaught error, encoded (cluster pools send it to submitters).
    #[napi]
    pub fn worker_exited(&self, worker: u32, exit_code: i32, cause: Option<BufferSlice>) {
        let cause = cause.map(|bytes| bytes.to_vec()).unwrap_or_default();
        self.pool.worker_exited(WorkerId(worker), WorkerExit { cause, ..WorkerExit::code(exit_code) });
    }

    /// The task's signal aborted. Returns false if it had already settled.
    #[napi]
    pub fn abort(&self, task_id: f64) -> bool {
        self.pool.abort(TaskId(task_id as u64))
    }

    /// Retires every current worker; returns their ids.
    #[napi]
    pub fn recycle(&self) -> Vec<u32> {
        self.pool.recycle().into_iter().map(|worker| worker.0).collect()
    }

    #[napi]
    pub fn dispose(&self) {
        self.pool.dispose();
    }

    #[napi]
    pub fn close(&self) {
        self.pool.close();
        if let Some(cluster) = &self.cluster {
            cluster.node.stop_reading();
        }
    }

    /// `close({ force: true })`, after `close()`: the tasks still waiting in
    /// the queue settle with Disposed at once. Returns how many.
    #[napi]
    pub fn drop_queued(&self) -> u32 {
        self.pool.drop_queued() as u32
    }

    /// Forgets the pool and releases the main thread's callback.
    #[napi]
    pub fn shutdown(&self) {
        registry::unregister(self.id);
        self.doorbell.shut();
    }

    #[napi(getter)]
    pub fn size(&self) -> u32 {
        self.pool.size() as u32
    }

    #[napi(getter)]
    pub fn queue_size(&self) -> u32 {
        self.pool.queue_size() as u32
    }

    #[napi(getter)]
    pub fn running(&self) -> u32 {
        self.pool.running() as u32
    }

    #[napi]
    pub fn stats(&self) -> PoolStatsObject {
        stats::to_object(self.pool.stats(), self.processes.as_deref())
    }

    /// The wait and run times in fixed buckets, for `pool.metrics()`.
    #[napi]
    pub fn exported_times(&self) -> ExportedTimesObject {
        stats::exported_times_object(self.pool.exported_times())
    }
}
