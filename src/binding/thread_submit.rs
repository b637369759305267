//! A thread pool's commonest submission in one plain Node-API call: a task
//! whose payload is JSON text and that has no signal, submitted and given
//! its promise (`PoolHandle::submit_text`, then `taskPromise`, did it in two
//! calls, each with napi-rs's receiver and borrow bookkeeping around it).
//! JavaScript: `submitTextTask(table, handler, json, timeoutMs, priority,
//! retries)` -> the task's promise, or the name of a `SubmitRefusal`.

use std::ffi::CStr;
use std::ptr;

use napi::sys;

use super::options::duration_ms;
use super::task_promises::{args, table};
use crate::core::{HandlerId, NewTask, SubmitError};

/// JSON text up to this long is read in one call, into the stack.
const INLINE_TEXT: usize = 512;

pub(super) unsafe extern "C" fn submit_text(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
    // SAFETY: this callback's env and info.
    let [table_value, handler, text, timeout_ms, priority, retries] = unsafe { args::<6>(env, info) };
    // SAFETY: this callback's env.
    let Some(table) = (unsafe { table(env, table_value) }) else { return ptr::null_mut() };
    let Some(pool) = table.pool() else {
        // SAFETY: a valid env and a NUL-terminated message.
        unsafe { sys::napi_throw_error(env, ptr::null(), c"the pool is gone, or not a thread pool".as_ptr()) };
        return ptr::null_mut();
    };
    // SAFETY: this callback's env.
    let Some(payload) = (unsafe { utf8(env, text) }) else { return ptr::null_mut() };
    let (mut handler_id, mut timeout, mut priority_value, mut retries_value) = (0, 0.0, 0, 0);
    // SAFETY: this callback's env; each out-pointer points to a local. The
    // caller (lib/pool/processor.js) passes numbers it has validated.
    unsafe {
        sys::napi_get_value_uint32(env, handler, &mut handler_id);
        sys::napi_get_value_double(env, timeout_ms, &mut timeout);
        sys::napi_get_value_int32(env, priority, &mut priority_value);
        sys::napi_get_value_uint32(env, retries, &mut retries_value);
    }
    let task = NewTask {
        handler: HandlerId(handler_id),
        payload,
        timeout: duration_ms(timeout),
        priority: priority_value,
        retries: retries_value,
        announce: false,
    };
    match pool.submit(task) {
        // SAFETY: this callback's env, where the table was made.
        Ok(id) => unsafe { table.promise(env, id.0) },
        // SAFETY: this callback's env.
        Err(refusal) => unsafe { string(env, refusal_name(refusal)) },
    }
}

/// As `SubmitRefusal` names it (see pool_handle.rs).
fn refusal_name(refusal: SubmitError) -> &'static CStr {
    match refusal {
        SubmitError::QueueFull => c"QueueFull",
        SubmitError::Closed => c"Closed",
        SubmitError::StartFailing => c"StartFailing",
    }
}

/// The UTF-8 bytes of a JavaScript string, in a Vec of their exact length;
/// None (an exception pending) if it is not a string.
///
/// # Safety
/// `env` must be the calling callback's.
unsafe fn utf8(env: sys::napi_env, value: sys::napi_value) -> Option<Vec<u8>> {
    let mut inline = [0u8; INLINE_TEXT];
    let mut written = 0;
    // SAFETY: per this function's contract; `inline` holds INLINE_TEXT bytes
    // (napi writes at most INLINE_TEXT - 1 and a NUL).
    let status =
        unsafe { sys::napi_get_value_string_utf8(env, value, inline.as_mut_ptr().cast(), INLINE_TEXT, &mut written) };
    if status != sys::Status::napi_ok {
        // SAFETY: a valid env and a NUL-terminated message.
        unsafe { sys::napi_throw_type_error(env, ptr::null(), c"the payload must be a string".as_ptr()) };
        return None;
    }
    if written < INLINE_TEXT - 1 {
        return Some(inline[..written].to_vec());
    }
    // Maybe cut short: its length, then the whole of it.
    let mut len = 0;
    // SAFETY: per this function's contract; a null buffer asks for the length.
    unsafe { sys::napi_get_value_string_utf8(env, value, ptr::null_mut(), 0, &mut len) };
    let mut bytes = vec![0u8; len + 1];
    // SAFETY: `bytes` holds `len + 1` bytes, room for the text and its NUL.
    unsafe { sys::napi_get_value_string_utf8(env, value, bytes.as_mut_ptr().cast(), len + 1, &mut written) };
    bytes.truncate(written);
    Some(bytes)
}

/// A JavaScript string of `text`.
///
/// # Safety
/// `env` must be the calling callback's.
unsafe fn string(env: sys::napi_env, text: &CStr) -> sys::napi_value {
    let mut value = ptr::null_mut();
    // SAFETY: per this function's contract; NUL-terminated text, a local out-pointer.
    unsafe { sys::napi_create_string_utf8(env, text.as_ptr(), -1, &mut value) };
    value
}
