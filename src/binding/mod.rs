//! The napi binding: converts JavaScript values to core types and back, and
//! owns the doorbells. It decides nothing; every decision is in `crate::core`.

mod buffers;
mod doorbells;
mod options;
mod pool_handle;
mod registry;
mod stats;
mod wire;
mod worker_handle;
