//! The waiter thread: the child's exit, reaped and reported.

use std::net::Shutdown;
use std::os::unix::net::UnixStream;
use std::os::unix::process::ExitStatusExt;
use std::process::Child;
use std::sync::mpsc;
use std::time::Duration;

use super::ChildWorker;
use crate::core::WorkerExit;
use crate::process::sys;

/// How long the waiter lets the reader take the child's last frames (and the
/// stdio forwarders its last lines) before reporting the exit without them.
/// Only a grandchild that inherited the descriptors can keep them open.
const LAST_WORDS: Duration = Duration::from_secs(1);

/// The waiter: blocks until the child exits, lets its last frames and lines
/// through, reaps it and closes everything it had.
pub(super) fn wait(
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
