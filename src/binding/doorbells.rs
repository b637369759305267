//! The core's doorbells, as threadsafe functions. Calls are non-blocking and
//! carry no data: the called JavaScript pulls what is waiting.

use napi::bindgen_prelude::Unknown;
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi::{Env, Status};
use parking_lot::Mutex;

use crate::core::{Doorbell, Host};

/// Created unreferenced (weak): the main thread's loop is held open only
/// while `set_referenced(true)`, i.e. while tasks are pending.
pub type MainCallback = ThreadsafeFunction<(), Unknown<'static>, (), Status, false, true>;
/// Referenced: it is what keeps an idle worker thread alive, waiting for work.
pub type WorkerCallback = ThreadsafeFunction<(), Unknown<'static>, (), Status, false, false>;

/// Wakes the main thread to read the pool's outbox.
pub struct MainDoorbell {
    /// `None` once the pool has shut down.
    callback: Mutex<Option<MainCallback>>,
}

impl MainDoorbell {
    pub fn new(callback: MainCallback) -> Self {
        MainDoorbell { callback: Mutex::new(Some(callback)) }
    }

    /// Must run on the main thread (napi requires it of ref/unref).
    pub fn set_referenced(&self, env: &Env, referenced: bool) -> napi::Result<()> {
        if let Some(callback) = self.callback.lock().as_ref() {
            let raw_env = env.raw();
            // SAFETY: `env` is the main thread's live environment (the only
            // caller), and the threadsafe function is alive: it is only
            // released by `shut`, which takes the lock held here.
            let status = unsafe {
                if referenced {
                    napi::sys::napi_ref_threadsafe_function(raw_env, callback.raw())
                } else {
                    napi::sys::napi_unref_threadsafe_function(raw_env, callback.raw())
                }
            };
            if status != napi::sys::Status::napi_ok {
                return Err(napi::Error::new(Status::from(status), "changing the pool's event-loop reference"));
            }
        }
        Ok(())
    }

    /// Releases the threadsafe function; later rings do nothing.
    pub fn shut(&self) {
        self.callback.lock().take();
    }
}

impl Host for MainDoorbell {
    fn ring(&self) {
        if let Some(callback) = self.callback.lock().as_ref() {
            callback.call((), ThreadsafeFunctionCallMode::NonBlocking);
        }
    }
}

/// Wakes one idle worker thread.
pub struct WorkerDoorbell(pub WorkerCallback);

impl Doorbell for WorkerDoorbell {
    fn ring(&self) {
        // After the worker's environment is torn down this reports `Closing`:
        // the worker is gone and its exit is being handled; nothing to do.
        self.0.call((), ThreadsafeFunctionCallMode::NonBlocking);
    }
}
