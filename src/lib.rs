//! parallel-processor: a worker pool for Node.js with a Rust core.
//!
//! `core` holds every decision and knows nothing of JavaScript, nor does
//! `orchestrator` (the job scheduler on top of the pool); `binding` exposes
//! both to Node through napi. `cluster` is the Redis protocol that lets pools
//! on many processes share one queue.

mod binding;
mod cluster;
mod core;
mod orchestrator;
mod process;
