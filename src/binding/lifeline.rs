//! For the process worker's runtime, on Unix: the thread that kills the
//! child when its parent dies (see `process::os::unix::lifeline`).

#[cfg(unix)]
use napi_derive::napi;

/// Watches the lifeline the parent left at descriptor `fd`.
// Called by lib/worker/process/runtime.js, never by the unit tests.
#[cfg(unix)]
#[cfg_attr(test, allow(dead_code))]
#[napi]
pub fn watch_lifeline(fd: i32) -> napi::Result<()> {
    crate::process::watch_lifeline(fd)
        .map_err(|error| napi::Error::from_reason(format!("Could not watch the parent's lifeline: {error}")))
}
