//! A worker thread's handle on its pool. Created inside the worker, so its
//! doorbell belongs to the worker's own event loop.

use std::sync::Arc;

use napi::bindgen_prelude::{BufferSlice, Function, Unknown};
use napi::{Env, Result};
use napi_derive::napi;

use super::buffers::new_buffer;
use super::doorbells::WorkerDoorbell;
use super::{registry, wire};
use crate::core::{Delivery, HandlerId, Outcome, Pool, TaskId, WorkerId};

#[napi(object)]
pub struct HandlerSpecObject {
    pub filename: Option<String>,
    pub name: Option<String>,
}

#[napi]
pub struct WorkerHandle {
    pool: Arc<Pool>,
    worker: WorkerId,
}

#[napi]
impl WorkerHandle {
    #[napi(factory)]
    pub fn attach(pool_id: u32, worker_id: u32) -> Result<Self> {
        let pool = registry::find(pool_id)
            .ok_or_else(|| napi::Error::from_reason(format!("pool {pool_id} no longer exists")))?;
        Ok(WorkerHandle { pool, worker: WorkerId(worker_id) })
    }

    /// The module loaded. `on_task` is called when a task is assigned while
    /// idle; it should call `take()`. Returns the first task, if any.
    #[napi]
    pub fn ready<'env>(
        &self,
        env: &'env Env,
        on_task: Function<(), Unknown<'static>>,
    ) -> Result<Option<BufferSlice<'env>>> {
        let callback = on_task.build_threadsafe_function::<()>().callee_handled::<false>().build()?;
        let delivery = self.pool.worker_ready(self.worker, Arc::new(WorkerDoorbell(callback)));
        to_buffer(env, delivery)
    }

    #[napi]
    pub fn take<'env>(&self, env: &'env Env) -> Result<Option<BufferSlice<'env>>> {
        to_buffer(env, self.pool.take(self.worker))
    }

    /// Reports a result (`ok`) or a thrown error, and returns the next task.
    #[napi]
    pub fn complete<'env>(
        &self,
        env: &'env Env,
        task_id: f64,
        ok: bool,
        result: BufferSlice,
    ) -> Result<Option<BufferSlice<'env>>> {
        let bytes = result.to_vec();
        let outcome = if ok { Outcome::Returned(bytes) } else { Outcome::Threw(bytes) };
        to_buffer(env, self.pool.complete(self.worker, TaskId(task_id as u64), outcome))
    }

    /// `complete` for a result encoded as JSON text.
    #[napi]
    pub fn complete_text<'env>(&self, env: &'env Env, task_id: f64, result: String) -> Result<Option<BufferSlice<'env>>> {
        to_buffer(env, self.pool.complete(self.worker, TaskId(task_id as u64), Outcome::Returned(result.into_bytes())))
    }

    #[napi]
    pub fn handler(&self, id: u32) -> Option<HandlerSpecObject> {
        self.pool.handler(HandlerId(id)).map(|spec| HandlerSpecObject { filename: spec.filename, name: spec.name })
    }
}

fn to_buffer<'env>(env: &'env Env, delivery: Option<Delivery>) -> Result<Option<BufferSlice<'env>>> {
    match delivery {
        Some(delivery) => {
            new_buffer(env, wire::delivery_len(&delivery), |out| wire::write_delivery(&delivery, out)).map(Some)
        }
        None => Ok(None),
    }
}
