//! The napi binding: converts JavaScript values to core types and back, and
//! owns the doorbells. It decides nothing; every decision is in `crate::core`.

mod buffers;
#[cfg_attr(test, allow(dead_code))]
mod by_task_id;
mod cluster;
mod cluster_events;
#[cfg(test)]
mod generated_js;
mod json;
mod lifeline;
mod main_doorbell;
mod options;
mod orchestrator_handle;
mod orchestrator_spec;
mod orchestrator_wire;
mod pool_handle;
mod registry;
mod replica_handle;
mod stats;
// Reached only through `extra_exports`, which napi-rs registers outside tests.
#[cfg_attr(test, allow(dead_code))]
mod task_promises;
#[cfg_attr(test, allow(dead_code))]
mod thread_submit;
mod wire;
mod worker_doorbell;
mod worker_handle;

/// What napi-rs does not export by itself: the raw Node-API functions (see
/// `task_promises` for why they are raw).
#[napi_derive::napi(module_exports)]
#[cfg_attr(test, allow(dead_code))]
pub fn extra_exports(exports: napi::bindgen_prelude::Object, env: napi::Env) -> napi::Result<()> {
    use napi::JsValue;
    task_promises::export(env.raw(), exports.raw())
}
