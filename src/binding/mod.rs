//! The napi binding: converts JavaScript values to core types and back, and
//! owns the doorbells. It decides nothing; every decision is in `crate::core`.

mod buffers;
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
mod wire;
mod worker_doorbell;
mod worker_handle;
