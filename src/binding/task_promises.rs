//! The promise of every pending task, held as a Node-API deferred (V8's
//! promise resolver) in a table on the thread that made it.
//!
//! A promise made in JavaScript to be settled later needs its resolving
//! functions kept: `new Promise(executor)` gives each task a resolve and a
//! reject closure sharing a context (~112 bytes on V8's heap, the reject
//! one garbage at once), plus a Map entry to find it by id, all of it
//! surviving young-generation collections while the task waits. A
//! resolver is the promise itself; what is kept per task here is one
//! persistent handle and one table entry, outside V8's heap, so 100,000
//! queued tasks neither grow the young generation nor the old one beyond
//! their promises.
//!
//! The functions are plain Node-API callbacks, not napi-rs methods: they
//! run once or twice per task, and napi-rs's receiver and borrow
//! bookkeeping would cost more than what they do.
//!
//! JavaScript (lib/pool/pending-tasks.js) sees:
//!   newTaskPromises(poolId?) -> table (of that thread pool's tasks: see `submit_text`)
//!   taskPromise(table, id) -> the task's new promise
//!   settleTask(table, id, ok, value) -> false if the task was not pending
//!   pendingTaskIds(table) -> the ids of the pending tasks, in order
//!   submitTextTask(table, ...) -> see `submit_text` in thread_submit.rs

use std::cell::RefCell;
use std::ffi::{c_void, CStr};
use std::ptr;
use std::sync::{Arc, Weak};

use napi::sys;

use super::by_task_id::ByTaskId;
use super::registry;
use crate::core::Pool;

/// The pending tasks of one pool. Used only on the thread that made it
/// (JavaScript holds the table; Node-API values never leave their thread).
#[derive(Default)]
pub(super) struct Table {
    /// Task id -> its promise's deferred.
    deferreds: RefCell<ByTaskId<sys::napi_deferred>>,
    /// The thread pool whose tasks `submitTextTask` submits. Weak: the
    /// table is collected with the pool's JavaScript side, after the pool
    /// is disposed, and must not keep the core alive until then.
    pool: Option<Weak<Pool>>,
}

impl Table {
    pub(super) fn pool(&self) -> Option<Arc<Pool>> {
        self.pool.as_ref().and_then(Weak::upgrade)
    }

    /// A new promise for task `id`, or null with an exception pending.
    ///
    /// # Safety
    /// `env` must be the calling callback's, the table's own.
    pub(super) unsafe fn promise(&self, env: sys::napi_env, id: u64) -> sys::napi_value {
        let mut deferred = ptr::null_mut();
        let mut promise = ptr::null_mut();
        // SAFETY: per this function's contract; both out-pointers point to locals.
        if unsafe { sys::napi_create_promise(env, &mut deferred, &mut promise) } != sys::Status::napi_ok {
            return ptr::null_mut();
        }
        // Ids are never reused: there is no earlier deferred to lose.
        self.deferreds.borrow_mut().insert(id, deferred);
        promise
    }
}

/// Adds the functions to the addon's exports.
pub fn export(env: sys::napi_env, exports: sys::napi_value) -> napi::Result<()> {
    let functions: [(&CStr, unsafe extern "C" fn(sys::napi_env, sys::napi_callback_info) -> sys::napi_value); 5] = [
        (c"newTaskPromises", new_table),
        (c"taskPromise", task_promise),
        (c"settleTask", settle_task),
        (c"pendingTaskIds", pending_ids),
        (c"submitTextTask", super::thread_submit::submit_text),
    ];
    for (name, callback) in functions {
        let mut function = ptr::null_mut();
        // SAFETY: `env` is the environment the module is being loaded into;
        // `name` is NUL-terminated and `function` an out-pointer to a local.
        check(unsafe {
            sys::napi_create_function(env, name.as_ptr(), -1, Some(callback), ptr::null_mut(), &mut function)
        })?;
        // SAFETY: as above; `exports` is the module's exports object.
        check(unsafe { sys::napi_set_named_property(env, exports, name.as_ptr(), function) })?;
    }
    Ok(())
}

fn check(status: sys::napi_status) -> napi::Result<()> {
    if status == sys::Status::napi_ok {
        Ok(())
    } else {
        Err(napi::Error::from_reason(format!("Node-API call failed ({status})")))
    }
}

/// The callback's arguments (missing ones are `undefined`).
///
/// # Safety
/// `env` and `info` must be those the callback was called with.
pub(super) unsafe fn args<const N: usize>(env: sys::napi_env, info: sys::napi_callback_info) -> [sys::napi_value; N] {
    let mut argv = [ptr::null_mut(); N];
    let mut argc = N;
    // SAFETY: per this function's contract; `argv` holds `argc` slots.
    unsafe { sys::napi_get_cb_info(env, info, &mut argc, argv.as_mut_ptr(), ptr::null_mut(), ptr::null_mut()) };
    argv
}

/// The table behind `value`, or null after throwing a TypeError.
///
/// # Safety
/// `env` must be the calling callback's; the table must be used only within it.
pub(super) unsafe fn table<'a>(env: sys::napi_env, value: sys::napi_value) -> Option<&'a Table> {
    let mut data = ptr::null_mut();
    // SAFETY: per this function's contract. Only `new_table` makes externals
    // that reach these functions (lib/pool/pending-tasks.js is their one user).
    if unsafe { sys::napi_get_value_external(env, value, &mut data) } != sys::Status::napi_ok {
        // SAFETY: a valid env and a NUL-terminated message.
        unsafe { sys::napi_throw_type_error(env, ptr::null(), c"not a task promise table".as_ptr()) };
        return None;
    }
    // SAFETY: `data` is the `Box<Table>` leaked by `new_table`, freed only by
    // its finalizer, which cannot run while JavaScript passes the external here.
    Some(unsafe { &*data.cast::<Table>() })
}

/// A task id (a JavaScript number, exact up to 2^53).
///
/// # Safety
/// `env` must be the calling callback's.
unsafe fn task_id(env: sys::napi_env, value: sys::napi_value) -> u64 {
    let mut id = 0.0;
    // SAFETY: per this function's contract; `id` is an out-pointer to a local.
    unsafe { sys::napi_get_value_double(env, value, &mut id) };
    id as u64
}

unsafe extern "C" fn new_table(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
    // SAFETY: this callback's env and info.
    let [pool_id] = unsafe { args::<1>(env, info) };
    let mut id = 0;
    // SAFETY: this callback's env; `id` is a local. Without a number, no pool.
    let pool = if unsafe { sys::napi_get_value_uint32(env, pool_id, &mut id) } == sys::Status::napi_ok {
        registry::find(id).map(|pool| Arc::downgrade(&pool))
    } else {
        None
    };
    let table = Box::into_raw(Box::new(Table { pool, ..Table::default() }));
    let mut external = ptr::null_mut();
    // SAFETY: a callback's env; `finalize` frees the box once the external is collected.
    unsafe { sys::napi_create_external(env, table.cast(), Some(finalize), ptr::null_mut(), &mut external) };
    external
}

/// The table is collected with its pool, which has no pending task then (a
/// pending task holds the pool's doorbell, hence the pool). A deferred still
/// in it could not be settled from a finalizer; it is left as it is.
unsafe extern "C" fn finalize(_env: sys::napi_env, data: *mut c_void, _hint: *mut c_void) {
    // SAFETY: `data` is the box `new_table` leaked, finalized exactly once.
    drop(unsafe { Box::from_raw(data.cast::<Table>()) });
}

unsafe extern "C" fn task_promise(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
    // SAFETY: this callback's env and info.
    let [table_value, id_value] = unsafe { args::<2>(env, info) };
    // SAFETY: this callback's env.
    let Some(table) = (unsafe { table(env, table_value) }) else { return ptr::null_mut() };
    // SAFETY: this callback's env.
    let id = unsafe { task_id(env, id_value) };
    // SAFETY: this callback's env, where the table was made.
    unsafe { table.promise(env, id) }
}

unsafe extern "C" fn settle_task(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
    // SAFETY: this callback's env and info.
    let [table_value, id_value, ok_value, value] = unsafe { args::<4>(env, info) };
    // SAFETY: this callback's env.
    let Some(table) = (unsafe { table(env, table_value) }) else { return ptr::null_mut() };
    // SAFETY: this callback's env.
    let id = unsafe { task_id(env, id_value) };
    // Taken out first: whatever happens next, a task settles at most once.
    let deferred = table.deferreds.borrow_mut().remove(id);
    let settled = match deferred {
        Some(deferred) => {
            let mut ok = false;
            // SAFETY: this callback's env; `ok` is an out-pointer to a local.
            unsafe { sys::napi_get_value_bool(env, ok_value, &mut ok) };
            // SAFETY: `deferred` was made in this env and is concluded once
            // (it has left the table); Node-API frees it here.
            unsafe {
                if ok {
                    sys::napi_resolve_deferred(env, deferred, value);
                } else {
                    sys::napi_reject_deferred(env, deferred, value);
                }
            }
            true
        }
        None => false,
    };
    let mut result = ptr::null_mut();
    // SAFETY: this callback's env; `result` is an out-pointer to a local.
    unsafe { sys::napi_get_boolean(env, settled, &mut result) };
    result
}

unsafe extern "C" fn pending_ids(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
    // SAFETY: this callback's env and info.
    let [table_value] = unsafe { args::<1>(env, info) };
    // SAFETY: this callback's env.
    let Some(table) = (unsafe { table(env, table_value) }) else { return ptr::null_mut() };
    let ids = table.deferreds.borrow().ids();
    let mut array = ptr::null_mut();
    // SAFETY: this callback's env; `array` is an out-pointer to a local.
    unsafe { sys::napi_create_array_with_length(env, ids.len(), &mut array) };
    for (index, id) in ids.into_iter().enumerate() {
        let mut number = ptr::null_mut();
        // SAFETY: this callback's env; `array` was created above, `number` is a local.
        unsafe {
            sys::napi_create_double(env, id as f64, &mut number);
            sys::napi_set_element(env, array, index as u32, number);
        }
    }
    array
}
