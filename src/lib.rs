//! parallel-processor: a worker pool for Node.js with a Rust core.
//!
//! `core` holds every decision and knows nothing of JavaScript; `binding`
//! exposes it to Node through napi.

mod binding;
mod core;
mod orchestrator;
mod process;
