//! The few POSIX calls std does not offer, through the `libc` crate: its
//! declarations and constants are each operating system's own (Linux's
//! `F_DUPFD_CLOEXEC` is 1030, macOS's 67), where hand-written ones would fit
//! one system only.

use std::io;
use std::mem::MaybeUninit;
use std::os::fd::RawFd;
use std::os::raw::c_int;

pub const SIGTERM: i32 = libc::SIGTERM;
pub const SIGKILL: i32 = libc::SIGKILL;

fn check(result: c_int) -> io::Result<c_int> {
    if result == -1 {
        Err(io::Error::last_os_error())
    } else {
        Ok(result)
    }
}

/// In a forked child, before exec: be killed when the parent's spawning
/// thread dies (with the whole process, since that thread never exits), and
/// give up if the parent is already gone. Async-signal-safe.
///
/// The parent-death signal is Linux's own; other systems keep only the check
/// that the parent is still there.
pub fn die_with_parent(parent: u32) -> io::Result<()> {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: prctl with PR_SET_PDEATHSIG takes one integer argument and
        // touches no memory of ours.
        check(unsafe { libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL as libc::c_ulong) })?;
    }
    // SAFETY: getppid has no arguments and cannot fail.
    if unsafe { libc::getppid() } as u32 != parent {
        // (No allocation between fork and exec: a raw error code.)
        return Err(io::Error::from_raw_os_error(libc::ESRCH));
    }
    Ok(())
}

/// In a forked child, before exec: places each `(fd, target)` of `fds` at
/// descriptor `target` (above the standard ones, below 10), inherited by the
/// program. Async-signal-safe.
pub fn place_fds(fds: &[(RawFd, c_int)]) -> io::Result<()> {
    // Copies above the targets first, so that placing one cannot clobber
    // another; the copies close themselves at exec.
    let mut copies = [0; 4];
    for (copy, &(fd, _)) in copies.iter_mut().zip(fds) {
        // SAFETY: F_DUPFD_CLOEXEC takes an integer; `fd` is open (the caller's).
        *copy = check(unsafe { libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, 10 as c_int) })?;
    }
    for (&copy, &(_, target)) in copies.iter().zip(fds) {
        // dup2 leaves the new descriptor open across exec.
        // SAFETY: dup2 on descriptors; `copy` was opened just above.
        check(unsafe { libc::dup2(copy, target) })?;
    }
    Ok(())
}

/// In a forked child, before exec: the standard descriptors stay open across
/// exec. Node may have marked its own close-on-exec, and an inherited one
/// would then reach the program closed (Node reopens it on /dev/null).
/// Async-signal-safe.
pub fn keep_stdio_open() -> io::Result<()> {
    for fd in 0..3 {
        // SAFETY: F_SETFD takes an integer and touches no memory of ours.
        check(unsafe { libc::fcntl(fd, libc::F_SETFD, 0 as c_int) })?;
    }
    Ok(())
}

/// Blocks until process `pid` (a child of this process) has exited, without
/// reaping it: its pid stays reserved until it is reaped, so a signal sent
/// meanwhile cannot reach a stranger that reused the number.
pub fn wait_for_exit(pid: u32) -> io::Result<()> {
    let mut info = MaybeUninit::<libc::siginfo_t>::zeroed();
    loop {
        // SAFETY: `info` is a writable siginfo_t.
        match check(unsafe {
            libc::waitid(libc::P_PID, pid as libc::id_t, info.as_mut_ptr(), libc::WEXITED | libc::WNOWAIT)
        }) {
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            result => return result.map(|_| ()),
        }
    }
}

/// Marks `fd` close-on-exec: it stays this process's own.
pub fn set_cloexec(fd: RawFd) -> io::Result<()> {
    // SAFETY: F_SETFD takes an integer and touches no memory of ours.
    check(unsafe { libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC) }).map(|_| ())
}

/// Blocks until `fd` can take a write (or is closed, or fails).
pub fn wait_writable(fd: RawFd) {
    let mut entry = libc::pollfd { fd, events: libc::POLLOUT, revents: 0 };
    // Interrupted or not, the caller tries to write and comes back if it must.
    // SAFETY: `entry` is one valid pollfd, and the count says one.
    unsafe { libc::poll(&mut entry, 1, -1) };
}

/// Sends `signal` to `pid`. The caller guarantees the pid is not yet reaped
/// (or is this process's own).
pub fn send_signal(pid: u32, signal: i32) {
    // ESRCH cannot happen before the reap; nothing else is worth reporting.
    // SAFETY: kill touches no memory; which process it reaches is the
    // caller's guarantee above.
    unsafe { libc::kill(pid as libc::pid_t, signal) };
}
