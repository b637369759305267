//! A worker thread's handle on its pool. Created inside the worker, so its
//! doorbell belongs to the worker's own event loop.

use std::sync::Arc;

use napi::bindgen_prelude::{Buffer, BufferSlice, Either, Function, Unknown};
use napi::{Env, Result};
use napi_derive::napi;
use parking_lot::Mutex;

use super::buffers::new_buffer;
use super::worker_doorbell::WorkerDoorbell;
use super::{registry, wire};
use crate::core::{Delivery, HandlerId, Outcome, Pool, TaskId, WorkerId};

#[napi(object)]
pub struct HandlerSpecObject {
    pub filename: Option<String>,
    pub name: Option<String>,
}

/// A task for the worker: its length in the scratch buffer, or a buffer of its
/// own when it does not fit there. `null` when there is none.
type Task<'env> = Option<Either<u32, BufferSlice<'env>>>;

#[napi]
pub struct WorkerHandle {
    pool: Arc<Pool>,
    worker: WorkerId,
    /// The worker's reusable buffer for incoming tasks (held, so it stays alive).
    scratch: Mutex<Buffer>,
}

#[napi]
impl WorkerHandle {
    #[napi(factory)]
    pub fn attach(pool_id: u32, worker_id: u32, scratch: Buffer) -> Result<Self> {
        let pool = registry::find(pool_id)
            .ok_or_else(|| napi::Error::from_reason(format!("pool {pool_id} no longer exists")))?;
        Ok(WorkerHandle { pool, worker: WorkerId(worker_id), scratch: Mutex::new(scratch) })
    }

    /// The module loaded. `on_task` is called when a task is assigned while
    /// idle; it should call `take()`. Returns the first task, if any.
    #[napi(ts_return_type = "number | Buffer | null")]
    pub fn ready<'env>(&self, env: &'env Env, on_task: Function<(), Unknown<'static>>) -> Result<Task<'env>> {
        let callback = on_task.build_threadsafe_function::<()>().callee_handled::<false>().build()?;
        let delivery = self.pool.worker_ready(self.worker, Arc::new(WorkerDoorbell(callback)));
        self.deliver(env, delivery)
    }

    #[napi(ts_return_type = "number | Buffer | null")]
    pub fn take<'env>(&self, env: &'env Env) -> Result<Task<'env>> {
        self.deliver(env, self.pool.take(self.worker))
    }

    /// Reports a result (`ok`) or a thrown error, and returns the next task.
    #[napi(ts_return_type = "number | Buffer | null")]
    pub fn complete<'env>(&self, env: &'env Env, task_id: f64, ok: bool, result: BufferSlice) -> Result<Task<'env>> {
        let bytes = result.to_vec();
        let outcome = if ok { Outcome::Returned(bytes) } else { Outcome::Threw(bytes) };
        self.deliver(env, self.pool.complete(self.worker, TaskId(task_id as u64), outcome))
    }

    /// `complete` for a result encoded as JSON text.
    #[napi(ts_return_type = "number | Buffer | null")]
    pub fn complete_text<'env>(&self, env: &'env Env, task_id: f64, result: String) -> Result<Task<'env>> {
        self.deliver(
            env,
            self.pool.complete(self.worker, TaskId(task_id as u64), Outcome::Returned(result.into_bytes())),
        )
    }

    /// Writes the task into the scratch buffer when it fits.
    fn deliver<'env>(&self, env: &'env Env, delivery: Option<Delivery>) -> Result<Task<'env>> {
        let Some(delivery) = delivery else { return Ok(None) };
        let len = delivery.encoded_len();
        let mut scratch = self.scratch.lock();
        if len <= scratch.len() {
            wire::write_delivery(&delivery, &mut scratch[..len]);
            return Ok(Some(Either::A(len as u32)));
        }
        new_buffer(env, len, |out| wire::write_delivery(&delivery, out)).map(|buffer| Some(Either::B(buffer)))
    }

    /// Whether this worker is to leave: its doorbell rang with nothing to
    /// take because the pool stops it (idle at `dispose()`, past its idle
    /// timeout, retired). It then ends on its own, which lets its last
    /// console output reach the main thread (`terminate()` would cut it).
    #[napi]
    pub fn leaving(&self) -> bool {
        self.pool.is_leaving(self.worker)
    }

    /// Ids of this worker's tasks aborted since the last call (their
    /// `ctx.signal` should abort), or `null`. Called from the worker's event
    /// loop, which it thereby shows to turn (see `core/pool/grace.rs`).
    #[napi]
    pub fn take_aborted(&self) -> Option<Vec<f64>> {
        let aborted = self.pool.take_aborted_from_loop(self.worker);
        (!aborted.is_empty()).then(|| aborted.into_iter().map(|id| id.0 as f64).collect())
    }

    /// The worker thread's heap after a task, when the pool has a memory limit.
    #[napi]
    pub fn report_memory(&self, memory_mb: f64) {
        self.pool.report_memory(self.worker, memory_mb);
    }

    #[napi]
    pub fn handler(&self, id: u32) -> Option<HandlerSpecObject> {
        self.pool.handler(HandlerId(id)).map(|spec| HandlerSpecObject { filename: spec.filename, name: spec.name })
    }
}
