//! The tokio runtime that carries the Redis I/O of a cluster pool.
//!
//! One worker thread is plenty: the work is waiting on sockets. The threads
//! are plain Rust threads, so they never keep the Node process alive; the
//! runtime stops when it is dropped.

use std::future::Future;
use std::io;

use tokio::runtime::{Builder, Runtime};
use tokio::task::JoinHandle;

/// A runtime owned by one cluster pool.
pub struct ClusterRuntime {
    runtime: Runtime,
}

impl ClusterRuntime {
    pub fn new() -> io::Result<ClusterRuntime> {
        let runtime = Builder::new_multi_thread()
            .worker_threads(1)
            .max_blocking_threads(1)
            .thread_name("parallel-processor-cluster")
            .enable_io()
            .enable_time()
            .build()?;
        Ok(ClusterRuntime { runtime })
    }

    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.runtime.spawn(future)
    }

    /// Stops the runtime without waiting for its tasks (safe to call from
    /// any thread but the runtime's own).
    pub fn shutdown_background(self) {
        self.runtime.shutdown_background();
    }

    /// Runs a future to completion on the calling thread. Never call it from
    /// the runtime's own threads.
    #[cfg(test)]
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.runtime.block_on(future)
    }
}
