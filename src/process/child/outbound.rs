//! The parent's outgoing queue on a child's task channel.

use std::collections::VecDeque;
use std::io::{self, IoSlice, Write};

use crate::core::Delivery;
use crate::process::frames;
use crate::process::os::Channel;

/// The parent's end of the task channel, and what the child has been told.
/// Nobody ever waits for the child while holding this lock: a socket is
/// non-blocking (`flush`); a Windows pipe is written only by the writer
/// thread, without the lock (`take_pieces`). (A blocking write under the
/// lock could wait for a child that is itself blocked writing a result the
/// reader, wanting the lock, would then never read.)
pub(super) struct Outbound {
    /// `None` once the child is gone.
    pub(super) stream: Option<Channel>,
    /// By handler id: whether the child has the handler's module and export name.
    pub(super) known_handlers: Vec<bool>,
    /// Bytes to write, in order, in pieces: small frames are appended to the
    /// last piece; a big payload is a piece of its own, moved in rather than
    /// copied, and the pieces go out together with `writev`. The writer thread
    /// finishes what the socket does not take at once.
    pieces: VecDeque<Vec<u8>>,
    /// How much of the front piece has been written.
    sent: usize,
    /// An emptied small piece, kept for the next frames: a busy channel
    /// allocates nothing per task.
    spare: Vec<u8>,
}

/// A payload this big travels as a piece of its own (moved, not copied).
const OWN_PIECE: usize = 64 * 1024;
/// A spare piece bigger than this is released rather than kept.
const KEEP_SPARE: usize = 1024 * 1024;
/// Most pieces handed to one `writev` (the system's limit is 1024).
const MAX_SLICES: usize = 64;

impl Outbound {
    pub(super) fn new(stream: Channel) -> Outbound {
        Outbound {
            stream: Some(stream),
            known_handlers: Vec::new(),
            pieces: VecDeque::new(),
            sent: 0,
            spare: Vec::new(),
        }
    }

    pub(super) fn is_idle(&self) -> bool {
        self.pieces.is_empty()
    }

    /// Queues a small frame, written into the last piece by `write`.
    pub(super) fn frame(&mut self, write: impl FnOnce(&mut Vec<u8>)) {
        write(self.small_piece());
    }

    /// Queues a task: a big payload is not copied behind its header.
    pub(super) fn task(&mut self, delivery: Delivery) {
        if delivery.payload.len() < OWN_PIECE {
            frames::task(self.small_piece(), &delivery);
            return;
        }
        frames::task_header(self.small_piece(), &delivery);
        self.pieces.push_back(delivery.payload);
    }

    /// The last piece if more frames may be appended to it (it is small: not
    /// a payload of its own), else a new one. Appending to a piece that has
    /// started going out is fine: `sent` counts from its start.
    fn small_piece(&mut self) -> &mut Vec<u8> {
        if self.pieces.back().is_none_or(|piece| piece.len() >= OWN_PIECE) {
            let piece = std::mem::take(&mut self.spare);
            self.pieces.push_back(piece);
        }
        self.pieces.back_mut().expect("a piece was just ensured")
    }

    /// Takes every queued piece, for the writer thread to write.
    #[cfg(windows)]
    pub(super) fn take_pieces(&mut self) -> VecDeque<Vec<u8>> {
        debug_assert_eq!(self.sent, 0, "a piece is only ever written whole here");
        std::mem::take(&mut self.pieces)
    }

    /// The channel broke: nothing more is queued or written.
    #[cfg(windows)]
    pub(super) fn close(&mut self) {
        self.stream = None;
        self.discard();
    }

    /// Writes what the socket takes now. Returns false if the channel broke:
    /// the child has gone (EPIPE: Node ignores SIGPIPE) or cannot be reached.
    /// (Only where writes never block: see `os::WRITES_FROM_ANY_THREAD`.)
    pub(super) fn flush(&mut self) -> bool {
        while !self.pieces.is_empty() {
            let Some(mut stream) = self.stream.as_ref() else {
                self.discard();
                return true;
            };
            // On the stack: a busy channel allocates nothing per write.
            let mut slices = [IoSlice::new(&[]); MAX_SLICES];
            let mut count = 0;
            for (slice, piece) in slices.iter_mut().zip(&self.pieces) {
                *slice = IoSlice::new(if count == 0 { &piece[self.sent..] } else { piece });
                count += 1;
            }
            match stream.write_vectored(&slices[..count]) {
                Ok(written) => self.advance(written),
                Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
                Err(error) if error.kind() == io::ErrorKind::WouldBlock => break,
                Err(_) => {
                    self.stream = None;
                    self.discard();
                    return false;
                }
            }
        }
        true
    }

    /// Drops the `written` bytes from the front of the queue.
    fn advance(&mut self, mut written: usize) {
        while written > 0 {
            let front = self.pieces.front().expect("written bytes were queued");
            let left = front.len() - self.sent;
            if written < left {
                self.sent += written;
                return;
            }
            written -= left;
            self.sent = 0;
            let piece = self.pieces.pop_front().expect("checked above");
            self.recycle(piece);
        }
    }

    fn recycle(&mut self, mut piece: Vec<u8>) {
        if piece.capacity() <= KEEP_SPARE && piece.capacity() > self.spare.capacity() {
            piece.clear();
            self.spare = piece;
        }
    }

    fn discard(&mut self) {
        self.pieces.clear();
        self.sent = 0;
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use crate::core::{HandlerId, TaskId};
    use std::io::Read;
    use std::os::unix::net::UnixStream;

    fn delivery(id: u64, payload: Vec<u8>) -> Delivery {
        Delivery { id: TaskId(id), handler: HandlerId(0), payload }
    }

    /// What the child reads: every frame whole and in order, however the
    /// socket split the writes, big payloads included.
    #[test]
    fn frames_and_big_payloads_arrive_in_order() {
        let (parent, mut child) = UnixStream::pair().unwrap();
        parent.set_nonblocking(true).unwrap();
        let mut outbound = Outbound::new(parent);
        let big = vec![7u8; 3 * 1024 * 1024];
        let mut expected = Vec::new();
        for (id, payload) in [(1, vec![1, 2, 3]), (2, big.clone()), (3, vec![4]), (4, big), (5, vec![])] {
            frames::task(&mut expected, &delivery(id, payload.clone()));
            outbound.task(delivery(id, payload));
            outbound.frame(|out| frames::abort(out, TaskId(id)));
            frames::abort(&mut expected, TaskId(id));
        }
        let reader = std::thread::spawn(move || {
            let mut received = Vec::new();
            child.read_to_end(&mut received).unwrap();
            received
        });
        while !outbound.is_idle() {
            assert!(outbound.flush());
            std::thread::yield_now();
        }
        outbound.stream = None;
        assert!(reader.join().unwrap() == expected);
    }
}
