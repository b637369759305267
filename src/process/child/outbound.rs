//! The parent's outgoing buffer on a child's task channel.

use std::io::{self, Write};
use std::os::unix::net::UnixStream;

/// The parent's end of the task channel, and what the child has been told.
/// The socket is non-blocking: nobody ever waits for the child while holding
/// this lock. (A blocking write could wait for a child that is itself
/// blocked writing a result the reader would then never read.)
pub(super) struct Outbound {
    /// `None` once the child is gone.
    pub(super) stream: Option<UnixStream>,
    /// By handler id: whether the child has the handler's module and export name.
    pub(super) known_handlers: Vec<bool>,
    /// Frames to write, in order; the writer thread finishes what the socket
    /// does not take at once. `unsent[sent..]` is still to go.
    pub(super) unsent: Vec<u8>,
    sent: usize,
}

/// A buffer that held a frame bigger than this is released once it is sent.
const KEEP_BUFFER: usize = 1024 * 1024;

impl Outbound {
    pub(super) fn new(stream: UnixStream) -> Outbound {
        Outbound { stream: Some(stream), known_handlers: Vec::new(), unsent: Vec::new(), sent: 0 }
    }

    pub(super) fn is_idle(&self) -> bool {
        self.sent == self.unsent.len()
    }

    /// Writes what the socket takes now. Returns false if the channel broke:
    /// the child has gone (EPIPE: Node ignores SIGPIPE) or cannot be reached.
    pub(super) fn flush(&mut self) -> bool {
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
