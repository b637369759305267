//! The writer thread: what the core assigns while the child was idle, abort
//! notices, and the rest of writes the non-blocking socket could not take.

use parking_lot::{Condvar, Mutex};

use super::ChildWorker;
use crate::process::os::Channel;
use crate::process::{frames, Settings};

/// Wakes a child's writer thread: the doorbell rang, frames wait, or it must stop.
#[derive(Default)]
pub(super) struct WriterBell {
    state: Mutex<BellState>,
    wake: Condvar,
}

#[derive(Default)]
pub(super) struct BellState {
    /// Tasks (or abort notices) may be waiting in the core.
    pub(super) rung: bool,
    /// Frames are waiting in `Outbound`.
    pub(super) unsent: bool,
    pub(super) closed: bool,
}

impl WriterBell {
    pub(super) fn ring(&self, set: impl FnOnce(&mut BellState)) {
        set(&mut self.state.lock());
        self.wake.notify_one();
    }
}

/// The writer: the first frame (the runtime's settings), then whatever the
/// doorbell announces, and whatever the socket could not take at once.
pub(super) fn write_tasks(child: &ChildWorker, settings: &Settings, own_handle: &Channel) {
    child.send(|outbound| outbound.frame(|out| frames::init(out, child.worker.0, &settings.init)));
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
#[cfg(unix)]
fn finish_unsent(child: &ChildWorker, own_handle: &Channel) {
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
        crate::process::os::wait_writable(own_handle);
        if child.writer.state.lock().closed {
            return;
        }
    }
}

/// Writes the queued frames, which only this thread writes here: taken from
/// the queue under the lock, written with blocking writes without it (the
/// child drains the pipe as its event loop turns), until none is left.
#[cfg(windows)]
fn finish_unsent(child: &ChildWorker, mut own_handle: &Channel) {
    use std::io::Write;
    loop {
        let pieces = child.outbound.lock().take_pieces();
        if pieces.is_empty() {
            return;
        }
        for piece in pieces {
            if own_handle.write_all(&piece).is_err() {
                child.outbound.lock().close();
                child.lost_channel();
                return;
            }
        }
    }
}
