//! One child process and the three threads that serve it:
//! - the reader (`reader`) takes frames from the child (ready, results, its
//!   dying words) and answers a result with the next task at once
//!   (complete-and-take);
//! - the writer (`writer`) sends what the core assigns while the child was
//!   idle (woken by the child's doorbell; see also `deliver_directly`) and
//!   abort notices, and finishes writes the non-blocking socket (`outbound`)
//!   could not take at once;
//! - the waiter (`waiter`) blocks until the child exits, then reaps it and
//!   reports.
//!
//! Nothing here touches Node's event loop, and nothing polls.

mod direct_delivery;
mod outbound;
mod reader;
mod waiter;
mod writer;

use std::io;
use std::sync::{mpsc, Arc};
use std::thread;
use std::time::Duration;

use parking_lot::Mutex;

use super::os::{self, Channel, Process, Stop, Stopper};
use super::{frames, Supervisor};
use crate::core::{Delivery, Doorbell, Pool, Timers, WorkerId};
pub use direct_delivery::deliver_directly;
use outbound::Outbound;
use reader::read_results;
use waiter::wait;
use writer::{write_tasks, WriterBell};

/// How long a child asked to stop (SIGTERM), or that closed its channel,
/// has before it is forced to (SIGKILL).
const KILL_GRACE: Duration = Duration::from_secs(1);

pub(super) struct ChildWorker {
    pub(super) worker: WorkerId,
    pub(super) pid: u32,
    pool: Arc<Pool>,
    outbound: Mutex<Outbound>,
    stopper: Stopper,
    /// True once the child is reaped: from then on its pid may be another
    /// process's, so it may not be stopped.
    reaped: Mutex<bool>,
    writer: WriterBell,
}

impl ChildWorker {
    pub(super) fn new(worker: WorkerId, process: &Process, pool: Arc<Pool>, tasks: Channel) -> ChildWorker {
        ChildWorker {
            worker,
            pid: process.id(),
            pool,
            outbound: Mutex::new(Outbound::new(tasks)),
            stopper: process.stopper(),
            reaped: Mutex::new(false),
            writer: WriterBell::default(),
        }
    }

    /// Stops the child unless it is already reaped.
    pub(super) fn stop(&self, how: Stop) {
        let reaped = self.reaped.lock();
        if !*reaped {
            self.stopper.stop(how);
        }
    }

    /// Forced to stop after `KILL_GRACE`, if it is still there then. The
    /// timer holds the child weakly: one gone before the grace ends is not
    /// kept (nor its channels), and a reaped one is never stopped.
    pub(super) fn kill_after(self: &Arc<Self>, timers: &dyn Timers) {
        let child = Arc::downgrade(self);
        timers.schedule(
            KILL_GRACE,
            Box::new(move || child.upgrade().into_iter().for_each(|child| child.stop(Stop::Force))),
        );
    }

    /// Queues the frames `build` appends and writes what the channel takes
    /// now (where any thread may write to it); the writer thread writes the rest.
    fn send(&self, build: impl FnOnce(&mut Outbound)) {
        let mut outbound = self.outbound.lock();
        if outbound.stream.is_none() {
            return;
        }
        // Only the front of the queue may be written, or frames would interleave.
        let was_idle = outbound.is_idle();
        build(&mut outbound);
        if os::WRITES_FROM_ANY_THREAD && was_idle && !outbound.flush() {
            self.lost_channel();
        }
        if !outbound.is_idle() {
            self.writer.ring(|state| state.unsent = true);
        }
    }

    /// The task channel broke. A child that is gone is reaped by the waiter; one
    /// that lives on could never get its tasks, so it is killed (its tasks are
    /// then retried or rejected as a crash) rather than left to hang them.
    fn lost_channel(&self) {
        self.stop(Stop::Force);
    }

    /// Sends the abort notices and the tasks the core has for this child.
    pub(super) fn send_assigned(&self) {
        let aborted = self.pool.take_aborted(self.worker);
        if !aborted.is_empty() {
            self.send(|outbound| aborted.into_iter().for_each(|task| outbound.frame(|out| frames::abort(out, task))));
        }
        while let Some(delivery) = self.pool.take(self.worker) {
            self.deliver(delivery);
        }
    }

    fn deliver(&self, delivery: Delivery) {
        let pool = &self.pool;
        self.send(|outbound| {
            let index = delivery.handler.0 as usize;
            if outbound.known_handlers.get(index) != Some(&true) {
                if let Some(spec) = pool.handler(delivery.handler) {
                    outbound.frame(|out| frames::handler(out, delivery.handler, &spec));
                }
                if outbound.known_handlers.len() <= index {
                    outbound.known_handlers.resize(index + 1, false);
                }
                outbound.known_handlers[index] = true;
            }
            outbound.task(delivery);
        });
    }
}

/// Rung by the core (under its lock) when a task is assigned to the idle
/// child: the writer thread sends it, unless the ringing thread offered to
/// (see `deliver_directly`).
struct ChildDoorbell(Arc<ChildWorker>);

impl Doorbell for ChildDoorbell {
    fn ring(&self) {
        if !direct_delivery::defer(&self.0) {
            self.0.writer.ring(|state| state.rung = true);
        }
    }
}

impl ChildWorker {
    /// `Process::kill_and_reap`, for a child others may already stop (it is
    /// listed in the supervisor): under the lock that guards every stop, so
    /// that none reaches its pid once it may belong to another process.
    fn give_up(&self, process: &mut Process) {
        let mut reaped = self.reaped.lock();
        process.kill_and_reap();
        *reaped = true;
    }
}

/// Starts the threads that serve a freshly spawned child. If they cannot
/// all start, the child is killed and reaped here.
pub(super) fn serve(
    supervisor: Arc<Supervisor>,
    child: Arc<ChildWorker>,
    mut process: Process,
    results: Channel,
    forwarders: Vec<mpsc::Receiver<()>>,
) -> io::Result<()> {
    let (reader_done, last_words) = mpsc::channel();
    let (writer_done, writer_finished) = mpsc::channel::<()>();
    let handles = results.try_clone().and_then(|results| Ok((results, tasks_handle(&child)?, tasks_handle(&child)?)));
    let (results_handle, tasks_handle, writer_handle) = match handles {
        Ok(handles) => handles,
        Err(error) => {
            child.give_up(&mut process);
            return Err(error);
        }
    };
    // The waiter first: once it runs, the child is always reaped and reported.
    // It gets the process once it runs, so that this thread still holds it
    // (to kill and reap it) if the waiter cannot start.
    let (hand_over, handed_over) = mpsc::channel::<Process>();
    let waiter = spawn_thread("waiter", {
        let (child, supervisor) = (child.clone(), supervisor.clone());
        move || {
            let Ok(process) = handed_over.recv() else { return };
            let exit = wait(&child, process, [results_handle, tasks_handle], last_words, writer_finished, forwarders);
            supervisor.exited(&child, exit);
        }
    });
    if let Err(error) = waiter {
        child.give_up(&mut process);
        return Err(error);
    }
    hand_over.send(process).expect("the waiter waits for its process");
    let reader = spawn_thread("reader", {
        let (child, supervisor) = (child.clone(), supervisor.clone());
        move || {
            let _ = reader_done.send(read_results(&child, results, &supervisor));
        }
    });
    let writer = reader.and_then(|_| {
        let (child, settings) = (child.clone(), supervisor.settings.clone());
        spawn_thread("writer", move || {
            write_tasks(&child, &settings, &writer_handle);
            // Its descriptor closes first: the waiter reports the exit after this.
            drop(writer_handle);
            let _ = writer_done.send(());
        })
    });
    if writer.is_err() {
        // Nobody would feed it: kill it; the waiter reaps it and reports the exit.
        child.stop(Stop::Force);
    }
    Ok(())
}

/// Another handle on the task channel: the waiter's, to shut it down; the
/// writer's, to wait on (a descriptor of its own cannot be closed under it).
fn tasks_handle(child: &ChildWorker) -> io::Result<Channel> {
    match &child.outbound.lock().stream {
        Some(stream) => stream.try_clone(),
        None => Err(io::Error::from(io::ErrorKind::BrokenPipe)),
    }
}

fn spawn_thread(role: &str, body: impl FnOnce() + Send + 'static) -> io::Result<()> {
    thread::Builder::new()
        .name(format!("parallel-processor-child-{role}"))
        .stack_size(256 * 1024)
        .spawn(body)
        .map(|_| ())
}
