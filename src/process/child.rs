//! One child process and the three threads that serve it:
//! - the reader takes frames from the child (ready, results, its dying words)
//!   and answers a result with the next task at once (complete-and-take);
//! - the writer sends what the core assigns while the child was idle (woken
//!   by the child's doorbell; see also `deliver_directly`) and abort notices,
//!   and finishes writes the non-blocking socket could not take at once;
//! - the waiter blocks until the child exits, then reaps it and reports.
//!
//! Nothing here touches Node's event loop, and nothing polls.

use std::cell::RefCell;
use std::io::{self, Read, Write};
use std::net::Shutdown;
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::os::unix::process::ExitStatusExt;
use std::process::Child;
use std::sync::{mpsc, Arc};
use std::thread;
use std::time::Duration;

use parking_lot::{Condvar, Mutex};

use super::{frames, sys, Settings, Supervisor};
use crate::core::{Delivery, Doorbell, Outcome, Pool, WorkerExit, WorkerId};

/// How long the waiter lets the reader take the child's last frames (and the
/// stdio forwarders its last lines) before reporting the exit without them.
/// Only a grandchild that inherited the descriptors can keep them open.
const LAST_WORDS: Duration = Duration::from_secs(1);

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
/// The socket is non-blocking: nobody ever waits for the child while holding
/// this lock. (A blocking write could wait for a child that is itself
/// blocked writing a result the reader would then never read.)
struct Outbound {
    /// `None` once the child is gone.
    stream: Option<UnixStream>,
    /// By handler id: whether the child has the handler's module and export name.
    known_handlers: Vec<bool>,
    /// Frames to write, in order; the writer thread finishes what the socket
    /// does not take at once. `unsent[sent..]` is still to go.
    unsent: Vec<u8>,
    sent: usize,
}

/// A buffer that held a frame bigger than this is released once it is sent.
const KEEP_BUFFER: usize = 1024 * 1024;

impl Outbound {
    fn is_idle(&self) -> bool {
        self.sent == self.unsent.len()
    }

    /// Writes what the socket takes now. Returns false if the channel broke:
    /// the child has gone (EPIPE: Node ignores SIGPIPE) or cannot be reached.
    fn flush(&mut self) -> bool {
        let Some(stream) = &mut self.stream else {
            self.discard();
            return true;
        };
        while self.sent < self.unsent.len() {
            match stream.write(&self.unsent[self.sent..]) {
                Ok(n) => self.sent += n,
                Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
                Err(error) if error.kind() == io::ErrorKind::WouldBlock => break,
                Err(_) => {
                    self.stream = None;
                    self.discard();
                    return false;
                }
            }
        }
        if self.is_idle() {
            self.discard();
        } else if self.sent > self.unsent.len() / 2 {
            // Compacted only when more than half has gone: linear in all, however
            // many pieces a big frame leaves in.
            self.unsent.drain(..self.sent);
            self.sent = 0;
        }
        true
    }

    fn discard(&mut self) {
        self.unsent.clear();
        self.sent = 0;
        if self.unsent.capacity() > KEEP_BUFFER {
            self.unsent = Vec::new();
        }
    }
}

#[derive(Default)]
struct WriterBell {
    state: Mutex<BellState>,
    wake: Condvar,
}

#[derive(Default)]
struct BellState {
    /// Tasks (or abort notices) may be waiting in the core.
    rung: bool,
    /// Frames are waiting in `Outbound::unsent`.
    unsent: bool,
    closed: bool,
}

impl WriterBell {
    fn ring(&self, set: impl FnOnce(&mut BellState)) {
        set(&mut self.state.lock());
        self.wake.notify_one();
    }
}

impl ChildWorker {
    pub fn new(worker: WorkerId, pid: u32, pool: Arc<Pool>, tasks: UnixStream) -> io::Result<ChildWorker> {
        tasks.set_nonblocking(true)?;
        Ok(ChildWorker {
            worker,
            pid,
            pool,
            outbound: Mutex::new(Outbound {
                stream: Some(tasks),
                known_handlers: Vec::new(),
                unsent: Vec::new(),
                sent: 0,
            }),
            reaped: Mutex::new(false),
            writer: WriterBell::default(),
        })
    }

    /// Sends `signal` unless the child is already reaped.
    pub fn signal(&self, signal: i32) {
        let reaped = self.reaped.lock();
        if !*reaped {
            sys::send_signal(self.pid, signal);
        }
    }

    /// Queues the frames `build` appends and writes what the socket takes
    /// now; the writer thread finishes the rest.
    fn send(&self, build: impl FnOnce(&mut Outbound)) {
        let mut outbound = self.outbound.lock();
        if outbound.stream.is_none() {
            return;
        }
        // Only the front of the queue may be written, or frames would interleave.
        let was_idle = outbound.is_idle();
        build(&mut outbound);
        if was_idle && !outbound.flush() {
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
        self.signal(sys::SIGKILL);
    }

    /// Sends the abort notices and the tasks the core has for this child.
    fn send_assigned(&self) {
        let aborted = self.pool.take_aborted(self.worker);
        if !aborted.is_empty() {
            self.send(|outbound| aborted.into_iter().for_each(|task| frames::abort(&mut outbound.unsent, task)));
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
                    frames::handler(&mut outbound.unsent, delivery.handler, &spec);
                }
                if outbound.known_handlers.len() <= index {
                    outbound.known_handlers.resize(index + 1, false);
                }
                outbound.known_handlers[index] = true;
            }
            frames::task(&mut outbound.unsent, &delivery);
        });
    }
}

/// Rung by the core (under its lock) when a task is assigned to the idle
/// child: the writer thread sends it, unless the ringing thread offered to
/// (see `deliver_directly`).
struct ChildDoorbell(Arc<ChildWorker>);

impl Doorbell for ChildDoorbell {
    fn ring(&self) {
        let deferred = DIRECT_DELIVERY.with(|children| match children.borrow_mut().as_mut() {
            Some(children) => {
                children.push(self.0.clone());
                true
            }
            None => false,
        });
        if !deferred {
            self.0.writer.ring(|state| state.rung = true);
        }
    }
}

thread_local! {
    /// While `deliver_directly` runs on this thread: the children it rang.
    static DIRECT_DELIVERY: RefCell<Option<Vec<Arc<ChildWorker>>>> = const { RefCell::new(None) };
}

/// Runs `call` (a call into the pool, which may assign tasks to idle
/// children) and then sends those tasks from this thread, once the pool's
/// lock is released: one thread wake-up less on the way to the child than
/// going through its writer. Sending never blocks (the socket is
/// non-blocking; the writer finishes what it cannot take).
pub fn deliver_directly<T>(call: impl FnOnce() -> T) -> T {
    let outer = DIRECT_DELIVERY.with(|children| children.borrow_mut().replace(Vec::new()));
    let result = call();
    let rung = DIRECT_DELIVERY.with(|children| std::mem::replace(&mut *children.borrow_mut(), outer));
    for child in rung.unwrap_or_default() {
        child.send_assigned();
    }
    result
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
    let (writer_done, writer_finished) = mpsc::channel::<()>();
    let handles = results.try_clone().and_then(|results| Ok((results, tasks_handle(&child)?, tasks_handle(&child)?)));
    let (results_handle, tasks_handle, writer_handle) = match handles {
        Ok(handles) => handles,
        Err(error) => {
            let _ = process.kill();
            let _ = process.wait();
            return Err(error);
        }
    };
    // The waiter first: once it runs, the child is always reaped and reported.
    let pid = child.pid;
    spawn_thread("waiter", {
        let (child, supervisor) = (child.clone(), supervisor.clone());
        move || {
            let exit = wait(&child, process, [results_handle, tasks_handle], last_words, writer_finished, forwarders);
            supervisor.exited(&child, exit);
        }
    })
    .inspect_err(|_| {
        // Out of threads: nobody will reap it, but at least it does not run on.
        sys::send_signal(pid, sys::SIGKILL);
    })?;
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
        child.signal(sys::SIGKILL);
    }
    Ok(())
}

/// Another handle on the task channel: the waiter's, to shut it down; the
/// writer's, to wait on (a descriptor of its own cannot be closed under it).
fn tasks_handle(child: &ChildWorker) -> io::Result<UnixStream> {
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
                    child.pool.report_memory(child.worker, mb);
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
    let child = Arc::downgrade(child);
    let kill = Box::new(move || child.upgrade().into_iter().for_each(|child| child.signal(sys::SIGKILL)));
    supervisor.timers.schedule(supervisor.settings.kill_grace, kill);
    cause
}

/// The writer: the first frame (the runtime's settings), then whatever the
/// doorbell announces, and whatever the socket could not take at once.
fn write_tasks(child: &ChildWorker, settings: &Settings, own_handle: &UnixStream) {
    child.send(|outbound| frames::init(&mut outbound.unsent, child.worker.0, &settings.init));
    loop {
        let (rung, unsent) = {
            let mut state = child.writer.state.lock();
            while !state.rung && !state.unsent && !state.closed {
                child.writer.wake.wait(&mut state);
            }
            if state.closed {
                return;
            }
            (std::mem::take(&mut state.rung), std::mem::take(&mut state.unsent))
        };
        if rung {
            child.send_assigned();
        }
        if unsent {
            finish_unsent(child, own_handle);
        }
    }
}

/// Writes the queued frames, waiting for room in the socket without holding
/// the lock (the child drains it as its event loop turns).
fn finish_unsent(child: &ChildWorker, own_handle: &UnixStream) {
    loop {
        {
            let mut outbound = child.outbound.lock();
            if !outbound.flush() {
                child.lost_channel();
            }
            if outbound.is_idle() {
                return;
            }
        }
        sys::wait_writable(own_handle.as_raw_fd());
        if child.writer.state.lock().closed {
            return;
        }
    }
}

/// The waiter: blocks until the child exits, lets its last frames and lines
/// through, reaps it and closes everything it had.
fn wait(
    child: &ChildWorker,
    mut process: Child,
    channels: [UnixStream; 2],
    last_words: mpsc::Receiver<Vec<u8>>,
    writer_finished: mpsc::Receiver<()>,
    forwarders: Vec<mpsc::Receiver<()>>,
) -> WorkerExit {
    let _ = sys::wait_for_exit(child.pid);
    let cause = last_words.recv_timeout(LAST_WORDS).unwrap_or_else(|_| {
        // A grandchild that inherited the channels holds them open: stop reading.
        let _ = channels[0].shutdown(Shutdown::Both);
        last_words.recv().unwrap_or_default()
    });
    let status = {
        let mut reaped = child.reaped.lock();
        let status = process.wait();
        *reaped = true;
        status
    };
    // Wakes a writer waiting for room in the task channel, and stops it.
    let _ = channels[1].shutdown(Shutdown::Both);
    child.writer.ring(|state| state.closed = true);
    // Returns at once if the writer never started (its sender is gone).
    let _ = writer_finished.recv();
    child.outbound.lock().stream = None;
    drop(channels);
    for forwarder in forwarders {
        let _ = forwarder.recv_timeout(LAST_WORDS);
    }
    let (code, signal) = match status {
        Ok(status) => (status.code(), status.signal()),
        Err(_) => (None, None),
    };
    WorkerExit { code, signal, cause }
}
