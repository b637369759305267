//! The lifeline: how a child learns that its parent has died, on any Unix
//! (macOS has no parent-death signal).
//!
//! The parent opens one pipe for the whole process and keeps both ends for
//! its lifetime; every child gets the read end at descriptor `LIFELINE_FD`.
//! The write end is never inherited (close-on-exec) and never written, so a
//! read in the child blocks until the parent is gone, whatever killed it:
//! the kernel closes the parent's descriptors, and the read returns end of
//! file. The child reads it from a thread of its own (`watch_lifeline`,
//! called by the worker runtime through the addon), which kills the child at
//! that moment, even while its JavaScript thread spins. (Linux places the
//! pipe but leaves it unwatched: its parent-death signal does the same
//! without loading the addon in every child; see lib/worker/process/lifeline.js.)

use std::fs::File;
use std::io::{self, PipeReader, PipeWriter, Read};
use std::os::fd::{FromRawFd, OwnedFd};
use std::sync::OnceLock;

use super::sys;

/// The parent's pipe: opened by the first pool of process workers, kept
/// until the process ends.
static LIFELINE: OnceLock<(PipeReader, PipeWriter)> = OnceLock::new();

/// The read end every child inherits. Both ends are close-on-exec here;
/// the spawn places a copy of the read end that the child keeps.
pub(super) fn open() -> io::Result<&'static PipeReader> {
    if let Some((reader, _)) = LIFELINE.get() {
        return Ok(reader);
    }
    let pipe = io::pipe()?;
    // Another thread may have won the race: its pipe is kept, this one closed.
    Ok(&LIFELINE.get_or_init(|| pipe).0)
}

/// In a child: watches the lifeline at `fd` from a thread of its own and
/// kills this process with SIGKILL when the parent is gone. The descriptor
/// is taken over (and no longer inherited by this process's own children).
pub fn watch_lifeline(fd: i32) -> io::Result<()> {
    sys::set_cloexec(fd)?;
    // SAFETY: the descriptor was inherited for this purpose and nothing else
    // in the child uses it; the watcher owns it from here on.
    let mut lifeline = File::from(unsafe { OwnedFd::from_raw_fd(fd) });
    std::thread::Builder::new().name("parallel-processor-lifeline".into()).stack_size(32 * 1024).spawn(move || {
        let mut byte = [0u8; 1];
        loop {
            match lifeline.read(&mut byte) {
                Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
                // Nothing is ever written: any return means the pipe closed.
                _ => break,
            }
        }
        sys::send_signal(std::process::id(), sys::SIGKILL);
    })?;
    Ok(())
}
