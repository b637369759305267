//! The few Linux calls std does not offer, declared against the C library
//! the binary already links (no extra crate for the handful declared below).

use std::io;
use std::os::fd::RawFd;
use std::os::raw::{c_int, c_short, c_uint, c_ulong};

const PR_SET_PDEATHSIG: c_int = 1;
const F_DUPFD_CLOEXEC: c_int = 1030;
const F_SETFD: c_int = 2;
const P_PID: c_uint = 1;
const WEXITED: c_int = 4;
const WNOWAIT: c_int = 0x0100_0000;

pub const SIGTERM: i32 = 15;
pub const SIGKILL: i32 = 9;

extern "C" {
    fn prctl(option: c_int, ...) -> c_int;
    fn fcntl(fd: c_int, cmd: c_int, ...) -> c_int;
    fn dup2(old: c_int, new: c_int) -> c_int;
    fn getppid() -> c_int;
    fn kill(pid: c_int, signal: c_int) -> c_int;
    fn waitid(idtype: c_uint, id: c_uint, info: *mut SigInfo, options: c_int) -> c_int;
    fn poll(fds: *mut PollFd, count: c_ulong, timeout_ms: c_int) -> c_int;
}

#[repr(C)]
struct PollFd {
    fd: c_int,
    events: c_short,
    revents: c_short,
}

const POLLOUT: c_short = 4;

/// `siginfo_t` is 128 bytes on Linux; its content is not read here.
#[repr(C, align(8))]
struct SigInfo([u8; 128]);

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
pub fn die_with_parent(parent: u32) -> io::Result<()> {
    // SAFETY: prctl with PR_SET_PDEATHSIG takes one integer argument and
    // touches no memory of ours.
    check(unsafe { prctl(PR_SET_PDEATHSIG, SIGKILL as c_ulong) })?;
    // SAFETY: getppid has no arguments and cannot fail.
    if unsafe { getppid() } as u32 != parent {
        // (No allocation between fork and exec: a raw error code.)
        const ESRCH: i32 = 3;
        return Err(io::Error::from_raw_os_error(ESRCH));
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
        *copy = check(unsafe { fcntl(fd, F_DUPFD_CLOEXEC, 10 as c_int) })?;
    }
    for (&copy, &(_, target)) in copies.iter().zip(fds) {
        // dup2 leaves the new descriptor open across exec.
        // SAFETY: dup2 on descriptors; `copy` was opened just above.
        check(unsafe { dup2(copy, target) })?;
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
        check(unsafe { fcntl(fd, F_SETFD, 0 as c_int) })?;
    }
    Ok(())
}

/// Blocks until process `pid` (a child of this process) has exited, without
/// reaping it: its pid stays reserved until it is reaped, so a signal sent
/// meanwhile cannot reach a stranger that reused the number.
pub fn wait_for_exit(pid: u32) -> io::Result<()> {
    let mut info = SigInfo([0; 128]);
    loop {
        // SAFETY: `info` is a writable buffer of siginfo_t's size and alignment.
        match check(unsafe { waitid(P_PID, pid, &mut info, WEXITED | WNOWAIT) }) {
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            result => return result.map(|_| ()),
        }
    }
}

/// Blocks until `fd` can take a write (or is closed, or fails).
pub fn wait_writable(fd: RawFd) {
    let mut entry = PollFd { fd, events: POLLOUT, revents: 0 };
    // Interrupted or not, the caller tries to write and comes back if it must.
    // SAFETY: `entry` is one valid pollfd, and the count says one.
    unsafe { poll(&mut entry, 1, -1) };
}

/// Sends `signal` to `pid`. The caller guarantees the pid is not yet reaped.
pub fn send_signal(pid: u32, signal: i32) {
    // ESRCH cannot happen before the reap; nothing else is worth reporting.
    // SAFETY: kill touches no memory; which process it reaches is the
    // caller's guarantee above.
    unsafe { kill(pid as c_int, signal) };
}
