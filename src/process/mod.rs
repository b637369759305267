//! Process workers: one child process per worker, spawned and watched from
//! Rust. Node's event loop holds no handle of theirs (no `child_process`
//! object, no IPC channel), so an idle pool never keeps the parent alive.
//!
//! Each child runs `lib/worker/process/runtime.js` under the parent's own `node`.
//! Tasks reach it on descriptor 3 and results come back on descriptor 4 (see
//! `frames`), so its stdout and stderr stay the user's. A child dies with its
//! parent however the parent dies, and is always reaped. What differs between
//! operating systems is in `os`; the rest is the same everywhere.

mod child;
pub(crate) mod frames;
mod os;
mod spawner;
mod stdio;

use std::collections::HashMap;
use std::fs::File;
use std::path::PathBuf;
use std::sync::{mpsc, Arc, Weak};

use parking_lot::Mutex;

pub use child::deliver_directly;
pub use stdio::StdioMode;

use crate::core::{Launcher, Pool, Timers, WorkerExit, WorkerId};
use child::ChildWorker;
#[cfg(unix)]
pub use os::watch_lifeline;

/// How a pool's children are started.
pub struct Settings {
    /// The `node` binary (the parent's own).
    pub program: PathBuf,
    /// Node's options, then the runtime script.
    pub args: Vec<String>,
    /// The whole environment; `None` inherits the parent's.
    pub env: Option<Vec<(String, String)>>,
    pub stdio: StdioMode,
    /// The runtime's settings (module, workerData, ...), serialized by JavaScript.
    pub init: Vec<u8>,
}

/// A pool's children. It is the pool's `Launcher`: the core starts and stops
/// them directly, from whichever thread decides (the timer thread at a
/// deadline or an idle timeout, a child's waiter after a crash, its reader
/// when a task's completion retires it, the main thread on `dispose()`), with
/// no round trip through JavaScript.
///
/// Ownership: the pool owns its launcher, so this holds the pool weakly. A
/// running child does hold the pool (to report to it), which makes a cycle
/// pool → supervisor → child → pool; it lasts exactly as long as the child:
/// its exit removes it from `children`, and `dispose()` stops every child.
pub struct Supervisor {
    pool: Weak<Pool>,
    me: Weak<Supervisor>,
    settings: Arc<Settings>,
    timers: Arc<dyn Timers>,
    children: Mutex<HashMap<WorkerId, Slot>>,
}

enum Slot {
    /// Waiting for the spawner. `stop`: terminated meanwhile, so it never runs.
    Starting {
        stop: bool,
    },
    Running(Arc<ChildWorker>),
}

/// Starts what every pool of process workers needs (the spawner thread,
/// and what makes children die with this process): called before the first
/// one is created, so that a failure is its error.
pub fn prepare() -> std::io::Result<()> {
    os::prepare()?;
    spawner::start()
}

impl Supervisor {
    pub fn new(pool: Weak<Pool>, settings: Settings, timers: Arc<dyn Timers>) -> Arc<Supervisor> {
        Arc::new_cyclic(|me| Supervisor {
            pool,
            me: me.clone(),
            settings: Arc::new(settings),
            timers,
            children: Mutex::default(),
        })
    }

    /// Tells the core that `worker` has gone (nobody listens once the pool is gone).
    fn report_exit(&self, worker: WorkerId, exit: WorkerExit) {
        if let Some(pool) = self.pool.upgrade() {
            pool.worker_exited(worker, exit);
        }
    }

    /// Runs on the spawner thread.
    fn start(self: &Arc<Self>, worker: WorkerId) -> std::io::Result<()> {
        let pool = self.pool.upgrade().ok_or_else(|| std::io::Error::other("the pool is gone"))?;
        let os::Spawned { mut process, tasks, results, stdout, stderr } = os::spawn(&self.settings)?;
        let forwarders = match self.forward_stdio(worker, stdout, stderr) {
            Ok(forwarders) => forwarders,
            Err(error) => {
                process.kill_and_reap();
                return Err(error);
            }
        };
        let child = Arc::new(ChildWorker::new(worker, &process, pool, tasks));
        let stopped_meanwhile = matches!(
            self.children.lock().insert(worker, Slot::Running(child.clone())),
            Some(Slot::Starting { stop: true })
        );
        child::serve(self.clone(), child, process, results, forwarders)?;
        if stopped_meanwhile {
            self.terminate(worker);
        }
        Ok(())
    }

    fn forward_stdio(
        &self,
        worker: WorkerId,
        stdout: Option<File>,
        stderr: Option<File>,
    ) -> std::io::Result<Vec<mpsc::Receiver<()>>> {
        let mut forwarders = Vec::new();
        let prefix = format!("[worker {}] ", worker.0);
        if let Some(out) = stdout {
            forwarders.push(stdio::forward(out, stdio::Stream::Stdout, prefix.clone())?);
        }
        if let Some(err) = stderr {
            forwarders.push(stdio::forward(err, stdio::Stream::Stderr, prefix)?);
        }
        Ok(forwarders)
    }

    pub fn pid(&self, worker: WorkerId) -> Option<u32> {
        match self.children.lock().get(&worker) {
            Some(Slot::Running(child)) => Some(child.pid),
            _ => None,
        }
    }

    /// Called by a child's waiter once it is reaped and its descriptors are closed.
    fn exited(&self, child: &ChildWorker, exit: WorkerExit) {
        self.children.lock().remove(&child.worker);
        self.report_exit(child.worker, exit);
    }
}

impl Launcher for Supervisor {
    /// Starts a child for `worker`, off the caller's thread (the spawner
    /// forks it). It reports back to the core with `worker_ready`, or
    /// `worker_exited` if it never gets there.
    fn spawn(&self, worker: WorkerId) {
        // Cannot fail: the pool calls this through the Arc it owns.
        let Some(supervisor) = self.me.upgrade() else { return };
        self.children.lock().insert(worker, Slot::Starting { stop: false });
        spawner::run(Box::new(move || {
            if matches!(supervisor.children.lock().get(&worker), Some(Slot::Starting { stop: true })) {
                // Terminated before it existed (a pool disposed while starting).
                supervisor.children.lock().remove(&worker);
                supervisor.report_exit(worker, WorkerExit::default());
                return;
            }
            if let Err(error) = supervisor.start(worker) {
                supervisor.children.lock().remove(&worker);
                let cause =
                    format!("Could not start a process worker ({}): {error}", supervisor.settings.program.display());
                supervisor.report_exit(worker, WorkerExit { code: None, signal: None, cause: cause.into_bytes() });
            }
        }));
    }

    /// Stops a child: asked now (SIGTERM), forced after the grace if it is
    /// still there. Its exit reaches the core through its waiter.
    fn terminate(&self, worker: WorkerId) {
        let child = match self.children.lock().get_mut(&worker) {
            Some(Slot::Running(child)) => child.clone(),
            Some(Slot::Starting { stop }) => return *stop = true,
            None => return,
        };
        child.stop(os::Stop::Ask);
        child.kill_after(self.timers.as_ref());
    }
}
