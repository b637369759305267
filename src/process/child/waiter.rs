//! The waiter thread: the child's exit, reaped and reported.

use std::sync::mpsc;
use std::time::Duration;

use super::ChildWorker;
use crate::core::WorkerExit;
use crate::process::os::{self, Channel, Ended, Process};

/// How long the waiter lets the reader take the child's last frames (and the
/// stdio forwarders its last lines) before reporting the exit without them.
/// Only a grandchild that inherited the descriptors can keep them open.
const LAST_WORDS: Duration = Duration::from_secs(1);

/// The waiter: blocks until the child exits, lets its last frames and lines
/// through, reaps it and closes everything it had.
pub(super) fn wait(
    child: &ChildWorker,
    mut process: Process,
    channels: [Channel; 2],
    last_words: mpsc::Receiver<Vec<u8>>,
    writer_finished: mpsc::Receiver<()>,
    forwarders: Vec<mpsc::Receiver<()>>,
) -> WorkerExit {
    let _ = process.wait_for_exit();
    let cause = last_words.recv_timeout(LAST_WORDS).unwrap_or_else(|_| {
        // A grandchild that inherited the channels holds them open: stop reading.
        os::shutdown(&channels[0]);
        last_words.recv().unwrap_or_default()
    });
    let status = {
        let mut reaped = child.reaped.lock();
        let status = process.reap();
        *reaped = true;
        status
    };
    // Wakes a writer waiting for room in the task channel, and stops it.
    os::shutdown(&channels[1]);
    child.writer.ring(|state| state.closed = true);
    // Returns at once if the writer never started (its sender is gone).
    let _ = writer_finished.recv();
    child.outbound.lock().stream = None;
    drop(channels);
    for forwarder in forwarders {
        let _ = forwarder.recv_timeout(LAST_WORDS);
    }
    let Ended { code, signal } = status.unwrap_or_default();
    WorkerExit { code, signal, cause }
}
