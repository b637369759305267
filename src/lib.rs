//! parallel-processor: a worker pool for Node.js with a Rust core.
//!
//! `core` holds every decision and knows nothing of JavaScript, nor does
//! `orchestrator` (the job scheduler on top of the pool); `binding` exposes
//! both to Node through napi.

mod binding;
mod core;
mod orchestrator;
mod process;
