//! Node buffers filled in place: one allocation owned by V8, no external
//! memory and no finalizer per buffer.

use std::ptr;

use napi::bindgen_prelude::{BufferSlice, FromNapiValue};
use napi::{check_status, Env, Result};

pub fn new_buffer<'env>(env: &'env Env, len: usize, fill: impl FnOnce(&mut [u8])) -> Result<BufferSlice<'env>> {
    let mut data = ptr::null_mut();
    let mut value = ptr::null_mut();
    check_status!(
        // SAFETY: `env` is the live environment of the calling thread, and both
        // out-pointers point to locals that outlive the call.
        unsafe { napi::sys::napi_create_buffer(env.raw(), len, &mut data, &mut value) },
        "allocating a buffer"
    )?;
    if len > 0 {
        // SAFETY: napi has just allocated `len` bytes at `data`; the buffer is
        // referenced by `value` (alive on this stack frame) and nothing else
        // reads or writes it until `fill` returns.
        fill(unsafe { std::slice::from_raw_parts_mut(data.cast::<u8>(), len) });
    }
    // SAFETY: `value` is the buffer napi created above, in this environment.
    unsafe { BufferSlice::from_napi_value(env.raw(), value) }
}
