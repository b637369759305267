//! The main thread's handle on a pool.

use std::sync::Arc;
use std::time::Duration;

use napi::bindgen_prelude::{Buffer, BufferSlice, Either, Function, Unknown};
use napi::{Env, Result};
use napi_derive::napi;

use super::buffers::new_buffer;
use super::doorbells::MainDoorbell;
use super::{registry, wire};
use crate::core::metrics::Summary;
use crate::core::{
    Backoff, HandlerId, HandlerSpec, NewTask, Pool, PoolConfig, SubmitError, TaskId, TimerThread, WorkerExit, WorkerId,
};
use crate::process::{self, Settings, StdioMode, Supervisor};

#[napi(object)]
pub struct PoolOptions {
    pub min_workers: u32,
    pub max_workers: u32,
    /// 0: idle workers never leave.
    pub idle_timeout_ms: f64,
    /// Tasks a worker runs at once.
    pub concurrent_tasks_per_worker: u32,
    /// `Infinity` for no limit.
    pub max_queue: f64,
    /// 0 for no limit.
    pub max_queue_wait_ms: f64,
    /// 0 for no limit.
    pub max_tasks_per_worker: f64,
    /// 0 for no limit.
    pub max_worker_memory_mb: f64,
    /// Restart back-off after failed starts.
    pub restart_backoff_initial_ms: f64,
    pub restart_backoff_max_ms: f64,
}

/// For `kind: 'process'`: how each child is started (see `crate::process::Settings`).
#[napi(object)]
pub struct ProcessOptions {
    pub exec_path: String,
    pub args: Vec<String>,
    /// `KEY=value` entries; absent: the parent's environment.
    pub env: Option<Vec<String>>,
    /// 'inherit', 'prefix' or 'ignore'.
    pub stdio: String,
    /// The runtime's settings, v8-serialized.
    pub init: Buffer,
    pub kill_grace_ms: f64,
}

#[napi(object)]
pub struct WorkerStatsObject {
    pub id: u32,
    pub state: String,
    pub running: u32,
    pub completed: f64,
    pub failed: f64,
    /// With a memory limit: a thread's heap or a process's RSS after its last task.
    pub memory_mb: Option<f64>,
    pub restarts: u32,
    /// Process workers only.
    pub pid: Option<u32>,
}

/// `{ count, mean, p50, p90, p99, max }`, in ms.
#[napi(object)]
pub struct SummaryObject {
    pub count: f64,
    pub mean: f64,
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
    pub max: f64,
}

impl From<Summary> for SummaryObject {
    fn from(s: Summary) -> Self {
        SummaryObject { count: s.count as f64, mean: s.mean, p50: s.p50, p90: s.p90, p99: s.p99, max: s.max }
    }
}

#[napi(object)]
pub struct PoolStatsObject {
    pub workers: Vec<WorkerStatsObject>,
    pub queued: u32,
    pub running: u32,
    pub completed: f64,
    pub failed: f64,
    pub timed_out: f64,
    pub queue_timed_out: f64,
    pub aborted: f64,
    pub retried: f64,
    pub retired: f64,
    pub crashed: f64,
    pub workers_started: f64,
    pub workers_exited: f64,
    pub wait_time: SummaryObject,
    pub run_time: SummaryObject,
    pub utilization: f64,
}

/// Long enough to span the caller's usual turnaround (a wake-up of the main
/// thread, a resolved promise, the next `execute()`: 20-40 µs here), short
/// enough that the CPU it may burn per task stays small. See `PoolConfig::linger`.
const WORKER_LINGER: Duration = Duration::from_micros(100);

/// A task that has waited this long in the queue counts as one priority level higher.
const PRIORITY_AGEING: Duration = Duration::from_secs(1);

/// Milliseconds as validated in JavaScript; 0 (and what a Duration cannot hold) means none.
fn duration_ms(ms: f64) -> Option<Duration> {
    Duration::try_from_secs_f64(ms / 1000.0).ok().filter(|duration| !duration.is_zero())
}

fn process_settings(options: ProcessOptions) -> Settings {
    let env = options.env.map(|entries| {
        entries
            .into_iter()
            .filter_map(|entry| entry.split_once('=').map(|(key, value)| (key.to_owned(), value.to_owned())))
            .collect()
    });
    let stdio = match options.stdio.as_str() {
        "inherit" => StdioMode::Inherit,
        "ignore" => StdioMode::Ignore,
        _ => StdioMode::Prefix,
    };
    Settings {
        program: options.exec_path.into(),
        args: options.args,
        env,
        stdio,
        init: options.init.to_vec(),
        kill_grace: duration_ms(options.kill_grace_ms).unwrap_or_default(),
    }
}

/// `submit` returns a task id (> 0) or one of these.
const QUEUE_FULL: f64 = -1.0;
const CLOSED: f64 = -2.0;
/// No worker can start (see `SubmitError::StartFailing`).
const START_FAILING: f64 = -3.0;

#[napi]
pub struct PoolHandle {
    id: u32,
    pool: Arc<Pool>,
    doorbell: Arc<MainDoorbell>,
    /// `Some` for process workers, which Rust starts and stops itself.
    processes: Option<Arc<Supervisor>>,
}

#[napi]
impl PoolHandle {
    /// `on_events` is called (with no arguments) whenever events are waiting;
    /// it should call `drain()`.
    #[napi(constructor)]
    pub fn new(
        options: PoolOptions,
        process: Option<ProcessOptions>,
        on_events: Function<(), Unknown<'static>>,
    ) -> Result<Self> {
        let callback = on_events.build_threadsafe_function::<()>().callee_handled::<false>().weak::<true>().build()?;
        let doorbell = Arc::new(MainDoorbell::new(callback));
        let max_queue = if options.max_queue.is_finite() { options.max_queue as usize } else { usize::MAX };
        let config = PoolConfig {
            min_workers: options.min_workers as usize,
            max_workers: options.max_workers as usize,
            idle_timeout: duration_ms(options.idle_timeout_ms),
            concurrency: options.concurrent_tasks_per_worker.max(1) as usize,
            max_queue,
            max_queue_wait: duration_ms(options.max_queue_wait_ms),
            max_tasks_per_worker: (options.max_tasks_per_worker > 0.0).then_some(options.max_tasks_per_worker as u64),
            max_worker_memory_mb: (options.max_worker_memory_mb > 0.0).then_some(options.max_worker_memory_mb),
            ageing: PRIORITY_AGEING,
            backoff: Backoff {
                initial: duration_ms(options.restart_backoff_initial_ms).unwrap_or(Duration::from_millis(1)),
                max: duration_ms(options.restart_backoff_max_ms).unwrap_or(Duration::from_millis(1)),
            },
            linger: WORKER_LINGER,
        };
        let pool = Pool::new(config, doorbell.clone(), TimerThread::global());
        let processes =
            process.map(|options| Supervisor::new(pool.clone(), process_settings(options), TimerThread::global()));
        let id = registry::register(pool.clone());
        Ok(PoolHandle { id, pool, doorbell, processes })
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

    /// Submits a payload in v8's serialization format. Returns the task id,
    /// or a negative code (see `QUEUE_FULL`, `CLOSED`).
    #[napi]
    pub fn submit(&self, handler: u32, payload: BufferSlice, timeout_ms: f64, priority: i32, retries: u32) -> f64 {
        self.submit_bytes(handler, payload.to_vec(), timeout_ms, priority, retries)
    }

    /// Submits a payload as JSON text (see `lib/codec.js`): no Buffer is made for it.
    #[napi]
    pub fn submit_text(&self, handler: u32, payload: String, timeout_ms: f64, priority: i32, retries: u32) -> f64 {
        self.submit_bytes(handler, payload.into_bytes(), timeout_ms, priority, retries)
    }

    fn submit_bytes(&self, handler: u32, payload: Vec<u8>, timeout_ms: f64, priority: i32, retries: u32) -> f64 {
        let task =
            NewTask { handler: HandlerId(handler), payload, timeout: duration_ms(timeout_ms), priority, retries };
        let submitted = match &self.processes {
            // A task for an idle process worker is written to it from here.
            Some(_) => process::deliver_directly(|| self.pool.submit(task)),
            None => self.pool.submit(task),
        };
        match submitted {
            Ok(id) => id.0 as f64,
            Err(SubmitError::QueueFull) => QUEUE_FULL,
            Err(SubmitError::Closed) => CLOSED,
            Err(SubmitError::StartFailing) => START_FAILING,
        }
    }

    /// Every waiting event, encoded (see `wire`): written into `scratch` when
    /// they fit (the length is returned), else in a new buffer. `null` when
    /// there is none. Reusing `scratch` saves an allocation per wake-up.
    #[napi]
    pub fn drain<'env>(
        &self,
        env: &'env Env,
        mut scratch: BufferSlice,
    ) -> Result<Option<Either<u32, BufferSlice<'env>>>> {
        let events = self.pool.take_events();
        if events.is_empty() {
            return Ok(None);
        }
        let len = wire::events_len(&events);
        if len <= scratch.len() {
            wire::write_events(&events, &mut scratch[..len]);
            return Ok(Some(Either::A(len as u32)));
        }
        new_buffer(env, len, |out| wire::write_events(&events, out)).map(|buffer| Some(Either::B(buffer)))
    }

    /// Whether the pool holds the event loop open (true while tasks are pending).
    #[napi]
    pub fn set_referenced(&self, env: &Env, referenced: bool) -> Result<()> {
        self.doorbell.set_referenced(env, referenced)
    }

    /// A worker thread has exited; a WORKER_EXITED event follows.
    #[napi]
    pub fn worker_exited(&self, worker: u32, exit_code: i32) {
        self.pool.worker_exited(WorkerId(worker), WorkerExit::code(exit_code));
    }

    /// Starts the process worker the core asked for (SPAWN_WORKER).
    #[napi]
    pub fn spawn_process(&self, worker: u32) {
        if let Some(processes) = &self.processes {
            processes.spawn(WorkerId(worker));
        }
    }

    /// Stops a process worker (TERMINATE_WORKER): SIGTERM, then SIGKILL after the grace.
    #[napi]
    pub fn terminate_process(&self, worker: u32) {
        if let Some(processes) = &self.processes {
            processes.terminate(WorkerId(worker));
        }
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
        let stats = self.pool.stats();
        let counters = stats.counters;
        PoolStatsObject {
            workers: stats
                .workers
                .into_iter()
                .map(|w| WorkerStatsObject {
                    id: w.id.0,
                    state: w.state.to_string(),
                    running: w.running as u32,
                    completed: w.completed as f64,
                    failed: w.failed as f64,
                    memory_mb: w.memory_mb,
                    restarts: w.restarts,
                    pid: self.processes.as_ref().and_then(|processes| processes.pid(w.id)),
                })
                .collect(),
            queued: stats.queued as u32,
            running: stats.running as u32,
            completed: counters.completed as f64,
            failed: counters.failed as f64,
            timed_out: counters.timed_out as f64,
            queue_timed_out: counters.queue_timed_out as f64,
            aborted: counters.aborted as f64,
            retried: counters.retried as f64,
            retired: counters.retired as f64,
            crashed: counters.crashed as f64,
            workers_started: counters.workers_started as f64,
            workers_exited: counters.workers_exited as f64,
            wait_time: stats.wait_time.into(),
            run_time: stats.run_time.into(),
            utilization: stats.utilization,
        }
    }
}
