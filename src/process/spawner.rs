//! The one thread every child is forked from.
//!
//! A child asks the kernel for SIGKILL when its parent dies
//! (PR_SET_PDEATHSIG), which covers a parent killed by SIGKILL, ended by
//! `process.exit()` or by an uncaught exception, where no cleanup code runs.
//! The kernel sends it when the *thread* that forked the child exits, so
//! children are forked from this thread, which lives as long as the process.
//! (Forking from Node's main thread would also block its event loop, and
//! from a worker thread would kill the children when that thread ends.)

use std::io;
use std::sync::mpsc;
use std::thread;

use parking_lot::Mutex;

pub type Job = Box<dyn FnOnce() + Send>;

/// `None` until the first pool of process workers starts the thread.
static SPAWNER: Mutex<Option<mpsc::Sender<Job>>> = Mutex::new(None);

/// Starts the spawner thread, once per process. Called when a pool of
/// process workers is created, so that a failure to start it is that
/// constructor's error, not a panic later inside the core's lock.
pub fn start() -> io::Result<()> {
    let mut spawner = SPAWNER.lock();
    if spawner.is_none() {
        let (sender, jobs) = mpsc::channel::<Job>();
        thread::Builder::new().name("parallel-processor-spawner".into()).spawn(move || {
            // The sender lives in a static, so this loop never ends.
            for job in jobs {
                job();
            }
        })?;
        *spawner = Some(sender);
    }
    Ok(())
}

/// Runs `job` on the spawner thread (see `start`). Never blocks.
pub fn run(job: Job) {
    let spawner = SPAWNER.lock();
    let sender = spawner.as_ref().expect("the spawner is started with the first process pool");
    sender.send(job).expect("the spawner thread lives as long as the process");
}
