//! Node buffers filled in place: one allocation owned by V8, no external
//! memory and no finalizer per buffer.

use std::ptr;

use napi::bindgen_prelude::{BufferSlice, FromNapiValue};
use napi::{check_status, Env, Result};

pub fn new_buffer<'env>(env: &'env Env, len: usize, fill: impl FnOnce(&mut [u8])) -> Result<BufferSlice<'env>> {
    let mut data = ptr::null_mut();
    let mut value = ptr::null_mut();
    check_status!(
        unsafe { napi::sys::napi_create_buffer(env.raw(), len, &mut data, &mut value) },
        "allocating a buffer"
    )?;
    if len > 0 {
        fill(unsafe { std::slice::from_raw_parts_mut(data.cast::<u8>(), len) });
    }
    unsafe { BufferSlice::from_napi_value(env.raw(), value) }
}
