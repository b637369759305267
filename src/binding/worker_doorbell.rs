//! A worker thread's doorbell, as a threadsafe function of the worker's own
//! event loop. Calls are non-blocking and carry no data: the called
//! JavaScript takes what was assigned. (The main thread's is in
//! `main_doorbell.rs`.)

use napi::bindgen_prelude::Unknown;
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi::Status;

use crate::core::Doorbell;

/// Referenced: it is what keeps an idle worker thread alive, waiting for work.
pub type WorkerCallback = ThreadsafeFunction<(), Unknown<'static>, (), Status, false, false>;

/// Wakes one idle worker thread.
pub struct WorkerDoorbell(pub WorkerCallback);

impl Doorbell for WorkerDoorbell {
    fn ring(&self) {
        // After the worker's environment is torn down this reports `Closing`:
        // the worker is gone and its exit is being handled; nothing to do.
        self.0.call((), ThreadsafeFunctionCallMode::NonBlocking);
    }
}
