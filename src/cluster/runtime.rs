//! The tokio runtime that carries the Redis I/O of a cluster pool.
//!
//! One worker thread is plenty: the work is waiting on sockets. The threads
//! are plain Rust threads, so they never keep the Node process alive; the
//! runtime stops when it is dropped.

use std::future::Future;
use std::io;

use tokio::runtime::{Builder, Handle, Runtime};
use tokio::task::JoinHandle;

/// The name of a node's runtime threads, before the node's id: a panic on
/// one of them is that node's (see `node::failure`).
pub const NODE_THREAD: &str = "parallel-processor-cluster-node ";

/// A runtime owned by one cluster pool.
pub struct ClusterRuntime {
    runtime: Runtime,
}

impl ClusterRuntime {
    #[cfg(test)]
    pub fn new() -> io::Result<ClusterRuntime> {
        ClusterRuntime::named("parallel-processor-cluster".into())
    }

    /// The runtime of the node `node`.
    pub fn for_node(node: &str) -> io::Result<ClusterRuntime> {
        ClusterRuntime::named(format!("{NODE_THREAD}{node}"))
    }

    /// The runtime of one replica of the orchestrator `name`.
    pub fn for_orchestrator(name: &str) -> io::Result<ClusterRuntime> {
        ClusterRuntime::named(format!("parallel-processor-orchestrator {name}"))
    }

    fn named(name: String) -> io::Result<ClusterRuntime> {
        let runtime = Builder::new_multi_thread()
            .worker_threads(1)
            .max_blocking_threads(1)
            .thread_name(name)
            .enable_io()
            .enable_time()
            .build()?;
        Ok(ClusterRuntime { runtime })
    }

    pub fn handle(&self) -> Handle {
        self.runtime.handle().clone()
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
