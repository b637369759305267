//! Unix (Linux and macOS): socket pairs placed at the child's descriptors 3
//! and 4 between fork and exec, signals to stop it, `waitid` to watch it.
//!
//! A child dies with its parent: on Linux the kernel sends it SIGKILL when
//! its parent dies (`PR_SET_PDEATHSIG`); every child also holds the read end
//! of a lifeline, a pipe whose only write end is this process's, which on
//! macOS a thread of its own watches, killing it when the pipe closes (see
//! `lifeline`), even while its JavaScript spins.

mod lifeline;
mod sys;

use std::fs::File;
use std::io;
use std::net::Shutdown;
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::net::UnixStream;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Child, Command, Stdio};

use super::{Ended, Spawned, Stop};
use crate::process::{frames, Settings, StdioMode};
pub use lifeline::watch_lifeline;

/// The parent's end of a channel: a socket.
pub type Channel = UnixStream;

/// Whether any thread may write to a task channel (it is non-blocking, so a
/// write never waits for the child), rather than only the child's writer.
pub const WRITES_FROM_ANY_THREAD: bool = true;

/// What every pool of process workers needs once per process: the lifeline.
pub fn prepare() -> io::Result<()> {
    lifeline::open().map(|_| ())
}

/// Starts a child as `settings` say. Called on the spawner thread, which
/// lives as long as the process: Linux's parent-death signal fires when the
/// thread that forked the child ends.
pub fn spawn(settings: &Settings) -> io::Result<Spawned> {
    let lifeline = lifeline::open()?;
    let (tasks, tasks_for_child) = UnixStream::pair()?;
    let (results, results_for_child) = UnixStream::pair()?;
    let mut command = Command::new(&settings.program);
    // A group of its own: a Ctrl-C at the terminal is the parent's to
    // handle (it may want to close() gracefully), not the children's.
    command.args(&settings.args).stdin(Stdio::null()).process_group(0);
    if let Some(env) = &settings.env {
        command.env_clear().envs(env.iter().map(|(key, value)| (key, value)));
    }
    let (stdout, stderr) = match settings.stdio {
        StdioMode::Inherit => (Stdio::inherit(), Stdio::inherit()),
        StdioMode::Prefix => (Stdio::piped(), Stdio::piped()),
        StdioMode::Ignore => (Stdio::null(), Stdio::null()),
    };
    command.stdout(stdout).stderr(stderr);
    let parent = std::process::id();
    let fds = [
        (tasks_for_child.as_raw_fd(), frames::TASKS_FD),
        (results_for_child.as_raw_fd(), frames::RESULTS_FD),
        (lifeline.as_raw_fd(), frames::LIFELINE_FD),
    ];
    // SAFETY: the closure runs between fork and exec and makes only
    // async-signal-safe system calls.
    unsafe {
        command.pre_exec(move || {
            sys::die_with_parent(parent)?;
            sys::keep_stdio_open()?;
            sys::place_fds(&fds)
        });
    }
    let mut child = command.spawn()?;
    // The child has its copies; the parent keeps only its own ends.
    drop((tasks_for_child, results_for_child));
    let stdout = child.stdout.take().map(|out| File::from(OwnedFd::from(out)));
    let stderr = child.stderr.take().map(|err| File::from(OwnedFd::from(err)));
    let mut process = Process { child };
    if let Err(error) = tasks.set_nonblocking(true) {
        process.kill_and_reap();
        return Err(error);
    }
    Ok(Spawned { process, tasks, results, stdout, stderr })
}

/// Ends every read and write on `channel`, a blocked one included.
pub fn shutdown(channel: &Channel) {
    let _ = channel.shutdown(Shutdown::Both);
}

/// Blocks until `channel` can take a write (or is closed, or fails).
pub fn wait_writable(channel: &Channel) {
    sys::wait_writable(channel.as_raw_fd());
}

/// A started child, until it is reaped.
pub struct Process {
    child: Child,
}

impl Process {
    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// How to stop it from any thread, until it is reaped.
    pub fn stopper(&self) -> Stopper {
        Stopper { pid: self.child.id() }
    }

    /// Blocks until it has exited, without reaping it: its pid stays
    /// reserved, so a signal sent meanwhile cannot reach a stranger.
    pub fn wait_for_exit(&self) -> io::Result<()> {
        sys::wait_for_exit(self.child.id())
    }

    /// Reaps it (blocks until it exits). From then on its pid may be reused.
    pub fn reap(&mut self) -> io::Result<Ended> {
        let status = self.child.wait()?;
        Ok(Ended { code: status.code(), signal: status.signal() })
    }

    /// For a child nobody else may signal: kills and reaps it.
    pub fn kill_and_reap(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Stops a child by its pid. Its owner guarantees it is not yet reaped.
#[derive(Clone, Copy)]
pub struct Stopper {
    pid: u32,
}

impl Stopper {
    pub fn stop(&self, how: Stop) {
        sys::send_signal(self.pid, if how == Stop::Ask { sys::SIGTERM } else { sys::SIGKILL });
    }
}
