//! Process workers: one child process per worker, spawned and watched from
//! Rust. Node's event loop holds no handle of theirs (no `child_process`
//! object, no IPC channel), so an idle pool never keeps the parent alive.
//!
//! Each child runs `lib/worker/process/runtime.js` under the parent's own `node`.
//! Tasks reach it on descriptor 3 and results come back on descriptor 4 (see
//! `frames`), so its stdout and stderr stay the user's. A child dies with its
//! parent however the parent dies (see `spawner`), and is always reaped.

mod child;
pub(crate) mod frames;
mod spawner;
mod stdio;
mod sys;

use std::collections::HashMap;
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{mpsc, Arc, Weak};

use parking_lot::Mutex;

pub use child::deliver_directly;
pub use stdio::StdioMode;

use crate::core::{Launcher, Pool, Timers, WorkerExit, WorkerId};
use child::{kill_and_reap, ChildWorker};

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

/// Starts what every pool of process workers needs (the spawner thread):
/// called before the first one is created, so that a failure is its error.
pub fn prepare() -> std::io::Result<()> {
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
        let (tasks, tasks_for_child) = UnixStream::pair()?;
        let (results, results_for_child) = UnixStream::pair()?;
        let mut command = Command::new(&self.settings.program);
        // A group of its own: a Ctrl-C at the terminal is the parent's to
        // handle (it may want to close() gracefully), not the children's.
        command.args(&self.settings.args).stdin(Stdio::null()).process_group(0);
        if let Some(env) = &self.settings.env {
            command.env_clear().envs(env.iter().map(|(key, value)| (key, value)));
        }
        let (stdout, stderr) = match self.settings.stdio {
            StdioMode::Inherit => (Stdio::inherit(), Stdio::inherit()),
            StdioMode::Prefix => (Stdio::piped(), Stdio::piped()),
            StdioMode::Ignore => (Stdio::null(), Stdio::null()),
        };
        command.stdout(stdout).stderr(stderr);
        let parent = std::process::id();
        let fds =
            [(tasks_for_child.as_raw_fd(), frames::TASKS_FD), (results_for_child.as_raw_fd(), frames::RESULTS_FD)];
        // SAFETY: the closure runs between fork and exec and makes only
        // async-signal-safe system calls.
        unsafe {
            command.pre_exec(move || {
                sys::die_with_parent(parent)?;
                sys::keep_stdio_open()?;
                sys::place_fds(&fds)
            });
        }
        let mut process = command.spawn()?;
        // The child has its copies; the parent keeps only its own ends.
        drop((tasks_for_child, results_for_child));
        let pid = process.id();
        let forwarders = match self.forward_stdio(worker, &mut process) {
            Ok(forwarders) => forwarders,
            Err(error) => {
                kill_and_reap(&mut process);
                return Err(error);
            }
        };
        let child = match ChildWorker::new(worker, pid, pool, tasks) {
            Ok(child) => Arc::new(child),
            Err(error) => {
                kill_and_reap(&mut process);
                return Err(error);
            }
        };
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

    fn forward_stdio(&self, worker: WorkerId, process: &mut Child) -> std::io::Result<Vec<mpsc::Receiver<()>>> {
        let mut forwarders = Vec::new();
        let prefix = format!("[worker {}] ", worker.0);
        if let Some(out) = process.stdout.take() {
            forwarders.push(stdio::forward(out, stdio::Stream::Stdout, prefix.clone())?);
        }
        if let Some(err) = process.stderr.take() {
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

    /// Stops a child: SIGTERM now, SIGKILL after the grace if it is still there.
    /// Its exit reaches the core through its waiter.
    fn terminate(&self, worker: WorkerId) {
        let child = match self.children.lock().get_mut(&worker) {
            Some(Slot::Running(child)) => child.clone(),
            Some(Slot::Starting { stop }) => return *stop = true,
            None => return,
        };
        child.signal(sys::SIGTERM);
        child.kill_after(self.timers.as_ref());
    }
}
