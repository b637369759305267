//! The main thread's doorbell: a threadsafe function that calls JavaScript
//! (with no arguments: it pulls what is waiting) whenever the core rings,
//! from whichever thread rings.
//!
//! It is made here with Node-API directly rather than through napi-rs, for
//! one reason: napi-rs gives every threadsafe function an empty async
//! resource, and tools that look for what keeps a process alive (jest's
//! `--detectOpenHandles`, which follows async hooks) can only ask a resource
//! `hasRef()`; an object without it counts as holding the process for as
//! long as it exists. The doorbell lives as long as its pool, and must: an
//! idle pool is still rung (a process worker that crashed, an idle worker
//! thread to stop, a restart after a back-off), so it cannot be released
//! while idle and made again when work arrives. Instead its resource answers
//! `hasRef()` with what the doorbell does to the event loop: true exactly
//! while it is referenced (tasks pending, a dispose waiting, a started
//! orchestrator), false while idle and once shut.

use std::ffi::c_void;
use std::ptr;
use std::sync::Arc;

use napi::bindgen_prelude::{retain_current_module_for_unload_safety, Function, JsObjectValue, Object, Unknown};
use napi::{sys, Env, JsValue, Status};
use parking_lot::Mutex;

use crate::core::Host;

/// A live threadsafe function. Node-API lets any thread call it.
struct Raw(sys::napi_threadsafe_function);

// SAFETY: Node-API's threadsafe function calls are safe from any thread;
// ref, unref and release are made only where Node-API allows them (see each
// call), and never after the function is finalized (`State::function`).
unsafe impl Send for Raw {}

struct State {
    /// `None` once shut, or finalized by Node (its environment torn down):
    /// every use of the function happens under this lock, and Node clears it
    /// (`finalized`) under the same lock before freeing the function, so no
    /// thread can call a freed one.
    function: Option<Raw>,
    referenced: bool,
}

impl State {
    fn holds_event_loop(&self) -> bool {
        self.function.is_some() && self.referenced
    }
}

/// Wakes the main thread to read the outbox of a pool or an orchestrator.
/// Created unreferenced: it holds the event loop open only while
/// `set_referenced(true)`.
pub struct MainDoorbell {
    state: Arc<Mutex<State>>,
}

impl MainDoorbell {
    /// `name` is the async resource's type, as async hooks (and the tools
    /// built on them) report it. Must run on the main thread.
    pub fn new(env: &Env, name: &str, callback: Function<(), Unknown<'static>>) -> napi::Result<Self> {
        // Threads of this addon (the timer thread, a child's waiter) ring the
        // doorbell, and may outlive the environment that loaded it.
        retain_current_module_for_unload_safety();
        let state = Arc::new(Mutex::new(State { function: None, referenced: false }));
        let probe = state.clone();
        let has_ref =
            env.create_function_from_closure::<(), bool, _>("hasRef", move |_| Ok(probe.lock().holds_event_loop()))?;
        let mut resource = Object::new(env)?;
        resource.set_named_property("hasRef", has_ref)?;
        let name = env.create_string(name)?;

        let raw_env = env.raw();
        let finalize_data = Arc::into_raw(state.clone()) as *mut c_void;
        let mut function = ptr::null_mut();
        // SAFETY: called on the main thread with its live environment and
        // values of it. No `call_js_cb`: Node then calls `callback` with no
        // arguments and `undefined` as `this`, and an exception it throws
        // becomes an uncaught exception. `finalize_data` is a strong count
        // of `state`, given back in `finalized`.
        let status = unsafe {
            sys::napi_create_threadsafe_function(
                raw_env,
                callback.raw(),
                resource.raw(),
                name.raw(),
                0, // an unbounded queue: a non-blocking call never fails for room
                1,
                finalize_data,
                Some(finalized),
                ptr::null_mut(),
                None,
                &mut function,
            )
        };
        if status != sys::Status::napi_ok {
            // SAFETY: the function was not made, so `finalized` will never
            // run: the count given to it is taken back here.
            drop(unsafe { Arc::from_raw(finalize_data as *const Mutex<State>) });
            return Err(napi::Error::new(Status::from(status), "creating the main thread's doorbell"));
        }
        state.lock().function = Some(Raw(function));
        let doorbell = MainDoorbell { state };
        // SAFETY: the function was just made on this thread.
        let status = unsafe { sys::napi_unref_threadsafe_function(raw_env, function) };
        if status != sys::Status::napi_ok {
            // Dropping the doorbell releases the function.
            return Err(napi::Error::new(Status::from(status), "unreferencing the main thread's doorbell"));
        }
        Ok(doorbell)
    }

    /// Must run on the main thread (Node-API requires it of ref and unref).
    pub fn set_referenced(&self, env: &Env, referenced: bool) -> napi::Result<()> {
        let mut state = self.state.lock();
        let Some(Raw(function)) = state.function else { return Ok(()) };
        // SAFETY: `env` is the main thread's live environment (the only
        // caller), and the function is alive: it is only freed after
        // `finalized` has taken it out under the lock held here.
        let status = unsafe {
            if referenced {
                sys::napi_ref_threadsafe_function(env.raw(), function)
            } else {
                sys::napi_unref_threadsafe_function(env.raw(), function)
            }
        };
        if status != sys::Status::napi_ok {
            return Err(napi::Error::new(Status::from(status), "changing the event-loop reference"));
        }
        state.referenced = referenced;
        Ok(())
    }

    /// Releases the threadsafe function; later rings do nothing. Node frees
    /// it (and its async resource is destroyed) on the main thread soon after.
    pub fn shut(&self) {
        let released = {
            let mut state = self.state.lock();
            state.referenced = false;
            state.function.take()
        };
        if let Some(Raw(function)) = released {
            // SAFETY: taken out under the lock, so no other thread uses it any
            // more, and not yet freed: Node frees it only after this release
            // (or after `finalized`, which would have found it taken).
            unsafe { sys::napi_release_threadsafe_function(function, sys::ThreadsafeFunctionReleaseMode::release) };
        }
    }
}

/// Released when its last owner lets go without `shut` (a handle whose
/// construction failed after making it, say): the function must not be left
/// behind, holding its callback.
impl Drop for MainDoorbell {
    fn drop(&mut self) {
        self.shut();
    }
}

impl Host for MainDoorbell {
    fn ring(&self) {
        let state = self.state.lock();
        if let Some(Raw(function)) = state.function {
            // SAFETY: alive while it is in `state` (see `State::function`).
            // While Node is closing it, this returns `napi_closing`: the
            // environment is going away, and there is nobody left to wake.
            unsafe {
                sys::napi_call_threadsafe_function(
                    function,
                    ptr::null_mut(),
                    sys::ThreadsafeFunctionCallMode::nonblocking,
                )
            };
        }
    }
}

/// Node is about to free the function: after `shut`, or when its
/// environment is torn down. Runs on the main thread.
unsafe extern "C" fn finalized(_env: sys::napi_env, data: *mut c_void, _hint: *mut c_void) {
    // SAFETY: `data` is the strong count of the state that `new` gave Node.
    let state = unsafe { Arc::from_raw(data as *const Mutex<State>) };
    let mut state = state.lock();
    state.function = None;
    state.referenced = false;
}
