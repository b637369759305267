//! One child process and the three threads that serve it:
//! - the reader takes frames from the child (ready, results, its dying words)
//!   and answers a result with the next task at once (complete-and-take);
//! - the writer sends what the core assigns while the child was idle (woken
//!   by the child's doorbell) and abort notices;
//! - the waiter blocks until the child exits, then reaps it and reports.
//!
//! Nothing here touches Node's event loop, and nothing polls.

use std::io::{self, Read, Write};
use std::os::unix::net::UnixStream;
use std::os::unix::process::ExitStatusExt;
use std::process::Child;
use std::sync::{mpsc, Arc};
use std::thread;
use std::time::Duration;

use parking_lot::{Condvar, Mutex};

use super::{frames, sys, Settings, Supervisor};
use crate::core::{Delivery, Doorbell, HandlerId, Outcome, Pool, WorkerExit, WorkerId};

/// How long the waiter lets the reader take the child's last frames (and the
/// stdio forwarders its last lines) before reporting the exit without them.
/// Only a grandchild that inherited the descriptors can keep them open.
const LAST_WORDS: Duration = Duration::from_millis(200);

pub struct ChildWorker {
    pub worker: WorkerId,
    pub pid: u32,
    pool: Arc<Pool>,
    outbound: Mutex<Outbound>,
    /// True once the child is reaped: from then on its pid may be another
    /// process's, so no signal may be sent.
    reaped: Mutex<bool>,
    writer: WriterBell,
}

/// The parent's end of the task channel, and what the child has been told.
struct Outbound {
    /// `None` once the child has exited.
    stream: Option<UnixStream>,
    /// By handler id: whether the child has the handler's module and export name.
    known_handlers: Vec<bool>,
    /// Reused for every frame.
    frame: Vec<u8>,
}

#[derive(Default)]
struct WriterBell {
    state: Mutex<BellState>,
    wake: Condvar,
}

#[derive(Default)]
struct BellState {
    rung: bool,
    closed: bool,
}

impl ChildWorker {
    pub fn new(worker: WorkerId, pid: u32, pool: Arc<Pool>, tasks: UnixStream) -> ChildWorker {
        ChildWorker {
            worker,
            pid,
            pool,
            outbound: Mutex::new(Outbound { stream: Some(tasks), known_handlers: Vec::new(), frame: Vec::new() }),
            reaped: Mutex::new(false),
            writer: WriterBell::default(),
        }
    }

    /// Sends `signal` unless the child is already reaped.
    pub fn signal(&self, signal: i32) {
        let reaped = self.reaped.lock();
        if !*reaped {
            sys::send_signal(self.pid, signal);
        }
    }

    /// Writes frames built by `build` into the task channel. A failed write
    /// means the child is gone: its exit is on its way through the waiter.
    fn send(&self, build: impl FnOnce(&mut Outbound)) {
        let mut outbound = self.outbound.lock();
        if outbound.stream.is_none() {
            return;
        }
        outbound.frame.clear();
        build(&mut outbound);
        let Outbound { stream, frame, .. } = &mut *outbound;
        if let Some(stream) = stream {
            let _ = stream.write_all(frame);
        }
    }

    fn deliver(&self, delivery: Delivery) {
        let pool = &self.pool;
        self.send(|outbound| {
            let index = delivery.handler.0 as usize;
            if outbound.known_handlers.get(index) != Some(&true) {
                if let Some(spec) = pool.handler(delivery.handler) {
                    frames::handler(&mut outbound.frame, HandlerId(delivery.handler.0), &spec);
                }
                if outbound.known_handlers.len() <= index {
                    outbound.known_handlers.resize(index + 1, false);
                }
                outbound.known_handlers[index] = true;
            }
            frames::task(&mut outbound.frame, &delivery);
        });
    }
}

/// Rung by the core (under its lock) when a task is assigned to the idle child.
struct ChildDoorbell(Arc<ChildWorker>);

impl Doorbell for ChildDoorbell {
    fn ring(&self) {
        let bell = &self.0.writer;
        bell.state.lock().rung = true;
        bell.wake.notify_one();
    }
}

/// Starts the threads that serve a freshly spawned child. If they cannot
/// all start, the child is killed and reaped here.
pub fn serve(
    supervisor: Arc<Supervisor>,
    child: Arc<ChildWorker>,
    mut process: Child,
    results: UnixStream,
    forwarders: Vec<mpsc::Receiver<()>>,
) -> io::Result<()> {
    let (reader_done, last_words) = mpsc::channel();
    let results_handle = match results.try_clone() {
        Ok(handle) => handle,
        Err(error) => {
            let _ = process.kill();
            let _ = process.wait();
            return Err(error);
        }
    };
    // The waiter first: once it runs, the child is always reaped and reported.
    spawn_thread("waiter", {
        let (child, supervisor) = (child.clone(), supervisor.clone());
        move || {
            let exit = wait(&child, process, results_handle, last_words, forwarders);
            supervisor.exited(&child, exit);
        }
    })?;
    let reader = spawn_thread("reader", {
        let (child, supervisor) = (child.clone(), supervisor.clone());
        move || {
            let _ = reader_done.send(read_results(&child, results, &supervisor));
        }
    });
    let writer = reader.and_then(|()| {
        let (child, settings) = (child.clone(), supervisor.settings.clone());
        spawn_thread("writer", move || write_tasks(&child, &settings))
    });
    if writer.is_err() {
        // Nobody would feed it: kill it; the waiter reaps it and reports the exit.
        child.signal(sys::SIGKILL);
    }
    Ok(())
}

fn spawn_thread(role: &str, body: impl FnOnce() + Send + 'static) -> io::Result<()> {
    thread::Builder::new()
        .name(format!("parallel-processor-child-{role}"))
        .stack_size(256 * 1024)
        .spawn(body)
        .map(|_| ())
}

/// The reader: returns what the child said before dying (empty if nothing).
fn read_results(child: &Arc<ChildWorker>, mut stream: UnixStream, supervisor: &Supervisor) -> Vec<u8> {
    let mut cause = Vec::new();
    let mut buffer = vec![0u8; 64 * 1024];
    let mut filled = 0;
    loop {
        let read = match stream.read(&mut buffer[filled..]) {
            Ok(0) => break,
            Ok(read) => read,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            Err(_) => break,
        };
        filled += read;
        let parsed = frames::parse(&buffer[..filled], |frame| match frame {
            frames::FromChild::Ready => {
                let first = child.pool.worker_ready(child.worker, Arc::new(ChildDoorbell(child.clone())));
                if let Some(delivery) = first {
                    child.deliver(delivery);
                }
            }
            frames::FromChild::Result { task, ok, memory_mb, bytes } => {
                if let Some(mb) = memory_mb {
                    child.pool.report_heap(child.worker, mb);
                }
                let outcome = if ok { Outcome::Returned(bytes.to_vec()) } else { Outcome::Threw(bytes.to_vec()) };
                if let Some(next) = child.pool.complete(child.worker, task, outcome) {
                    child.deliver(next);
                }
            }
            frames::FromChild::Fatal(bytes) => cause = bytes.to_vec(),
        });
        let used = match parsed {
            Ok(used) => used,
            Err(message) => {
                // Not our runtime speaking (something else wrote to the channel):
                // the child cannot be trusted to run tasks.
                cause = message.into_bytes();
                child.signal(sys::SIGKILL);
                break;
            }
        };
        buffer.copy_within(used..filled, 0);
        filled -= used;
        let needed = frames::pending_len(&buffer[..filled]).unwrap_or(0);
        if needed > buffer.len() {
            buffer.resize(needed, 0);
        } else if filled == 0 && buffer.len() > 1024 * 1024 {
            // A huge result has gone; do not keep its buffer.
            buffer.truncate(64 * 1024);
            buffer.shrink_to_fit();
        }
    }
    // The channel closed. A child that closed it and lives on cannot be
    // reached any more; it is killed after a grace (a no-op once it is reaped).
    let child = child.clone();
    supervisor.timers.schedule(supervisor.settings.kill_grace, Box::new(move || child.signal(sys::SIGKILL)));
    cause
}

/// The writer: the first frame (the runtime's settings), then whatever the
/// doorbell announces.
fn write_tasks(child: &ChildWorker, settings: &Settings) {
    child.send(|outbound| frames::init(&mut outbound.frame, child.worker.0, &settings.init));
    loop {
        {
            let mut state = child.writer.state.lock();
            while !state.rung && !state.closed {
                child.writer.wake.wait(&mut state);
            }
            if state.closed {
                return;
            }
            state.rung = false;
        }
        let aborted = child.pool.take_aborted(child.worker);
        if !aborted.is_empty() {
            child.send(|outbound| {
                for task in aborted {
                    frames::abort(&mut outbound.frame, task);
                }
            });
        }
        while let Some(delivery) = child.pool.take(child.worker) {
            child.deliver(delivery);
        }
    }
}

/// The waiter: blocks until the child exits, lets its last frames and lines
/// through, reaps it and closes everything it had.
fn wait(
    child: &ChildWorker,
    mut process: Child,
    results: UnixStream,
    last_words: mpsc::Receiver<Vec<u8>>,
    forwarders: Vec<mpsc::Receiver<()>>,
) -> WorkerExit {
    let _ = sys::wait_for_exit(child.pid);
    let cause = last_words.recv_timeout(LAST_WORDS).unwrap_or_else(|_| {
        // A grandchild holds the channel open: stop reading it.
        let _ = results.shutdown(std::net::Shutdown::Read);
        last_words.recv().unwrap_or_default()
    });
    drop(results);
    let status = {
        let mut reaped = child.reaped.lock();
        let status = process.wait();
        *reaped = true;
        status
    };
    child.outbound.lock().stream = None;
    {
        let mut state = child.writer.state.lock();
        state.closed = true;
        child.writer.wake.notify_one();
    }
    for forwarder in forwarders {
        let _ = forwarder.recv_timeout(LAST_WORDS);
    }
    let (code, signal) = match status {
        Ok(status) => (status.code(), status.signal()),
        Err(_) => (None, None),
    };
    WorkerExit { code, signal, cause }
}
