//! The one thread every child is forked from.
//!
//! A child asks the kernel for SIGKILL when its parent dies
//! (PR_SET_PDEATHSIG), which covers a parent killed by SIGKILL, ended by
//! `process.exit()` or by an uncaught exception, where no cleanup code runs.
//! The kernel sends it when the *thread* that forked the child exits, so
//! children are forked from this thread, which lives as long as the process.
//! (Forking from Node's main thread would also block its event loop, and
//! from a worker thread would kill the children when that thread ends.)

use std::sync::mpsc;
use std::sync::OnceLock;
use std::thread;

use parking_lot::Mutex;

pub type Job = Box<dyn FnOnce() + Send>;

/// Runs `job` on the spawner thread, started on first use.
pub fn run(job: Job) {
    static SPAWNER: OnceLock<Mutex<mpsc::Sender<Job>>> = OnceLock::new();
    let sender = SPAWNER.get_or_init(|| {
        let (sender, jobs) = mpsc::channel::<Job>();
        thread::Builder::new()
            .name("parallel-processor-spawner".into())
            .spawn(move || {
                // The sender lives in a static, so this loop never ends.
                for job in jobs {
                    job();
                }
            })
            .expect("starting the process spawner thread");
        Mutex::new(sender)
    });
    sender.lock().send(job).expect("the spawner thread lives as long as the process");
}
