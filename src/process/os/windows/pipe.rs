//! The parent's ends of a child's channels: named pipes opened for
//! overlapped I/O, used as blocking streams (each read or write waits for its
//! own completion). Overlapped, so that `shutdown` can end a read or write
//! another thread is blocked in: on a handle opened for synchronous I/O,
//! Windows would queue the shutdown behind it.
//!
//! The child's end of each pipe is opened for synchronous I/O and made
//! inheritable: the child's C runtime finds it at descriptor 3 or 4, and
//! Node opens it there as it opens any pipe it inherits.

use std::cell::OnceCell;
use std::io::{self, Read, Write};
use std::os::windows::io::{AsRawHandle, FromRawHandle, OwnedHandle};
use std::ptr;
use std::sync::atomic::{AtomicU64, Ordering};

use windows_sys::Win32::Foundation::{
    ERROR_BROKEN_PIPE, ERROR_IO_PENDING, ERROR_NO_DATA, ERROR_OPERATION_ABORTED, ERROR_PIPE_CONNECTED,
    ERROR_PIPE_NOT_CONNECTED, GENERIC_READ, GENERIC_WRITE, HANDLE, INVALID_HANDLE_VALUE,
};
use windows_sys::Win32::Security::SECURITY_ATTRIBUTES;
use windows_sys::Win32::Storage::FileSystem::{
    CreateFileW, ReadFile, WriteFile, FILE_FLAG_FIRST_PIPE_INSTANCE, FILE_FLAG_OVERLAPPED, FILE_READ_ATTRIBUTES,
    FILE_WRITE_ATTRIBUTES, OPEN_EXISTING, PIPE_ACCESS_INBOUND, PIPE_ACCESS_OUTBOUND,
};
use windows_sys::Win32::System::Pipes::{
    ConnectNamedPipe, CreateNamedPipeW, DisconnectNamedPipe, PIPE_READMODE_BYTE, PIPE_REJECT_REMOTE_CLIENTS,
    PIPE_TYPE_BYTE, PIPE_WAIT,
};
use windows_sys::Win32::System::Threading::CreateEventW;
use windows_sys::Win32::System::IO::{CancelIoEx, GetOverlappedResult, OVERLAPPED};

/// Each direction's buffer in the kernel.
const BUFFER: u32 = 64 * 1024;

/// Which way the bytes go, seen from the parent.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    ToChild,
    FromChild,
}

/// The parent's end of a pipe.
pub struct Pipe {
    handle: OwnedHandle,
}

/// Creates a pipe: the parent's end, and the child's (inheritable, for
/// synchronous I/O). The name is unique to this process and creation fails
/// if it exists (`FILE_FLAG_FIRST_PIPE_INSTANCE`), the pipe takes one client
/// and no remote one, and that client is the child's end, opened here at once.
pub fn pair(direction: Direction) -> io::Result<(Pipe, OwnedHandle)> {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let salt =
        std::hash::BuildHasher::hash_one(&std::collections::hash_map::RandomState::new(), NEXT.load(Ordering::Relaxed));
    let name = format!(
        r"\\.\pipe\parallel-processor-{}-{}-{salt:016x}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    );
    let name: Vec<u16> = name.encode_utf16().chain([0]).collect();
    let (access, child_access) = match direction {
        Direction::ToChild => (PIPE_ACCESS_OUTBOUND, GENERIC_READ | FILE_WRITE_ATTRIBUTES),
        Direction::FromChild => (PIPE_ACCESS_INBOUND, GENERIC_WRITE | FILE_READ_ATTRIBUTES),
    };
    // SAFETY: `name` is NUL-terminated; no security attributes (not inheritable).
    let server = unsafe {
        CreateNamedPipeW(
            name.as_ptr(),
            access | FILE_FLAG_OVERLAPPED | FILE_FLAG_FIRST_PIPE_INSTANCE,
            PIPE_TYPE_BYTE | PIPE_READMODE_BYTE | PIPE_WAIT | PIPE_REJECT_REMOTE_CLIENTS,
            1,
            BUFFER,
            BUFFER,
            0,
            ptr::null(),
        )
    };
    let server = Pipe { handle: owned(server)? };
    let inheritable = SECURITY_ATTRIBUTES {
        nLength: size_of::<SECURITY_ATTRIBUTES>() as u32,
        lpSecurityDescriptor: ptr::null_mut(),
        bInheritHandle: 1,
    };
    // SAFETY: `name` is NUL-terminated and `inheritable` outlives the call.
    let client =
        unsafe { CreateFileW(name.as_ptr(), child_access, 0, &inheritable, OPEN_EXISTING, 0, ptr::null_mut()) };
    let client = owned(client)?;
    server.connect()?;
    Ok((server, client))
}

/// A handle returned by a call that signals failure with an invalid one.
pub fn owned(handle: HANDLE) -> io::Result<OwnedHandle> {
    if handle.is_null() || handle == INVALID_HANDLE_VALUE {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: a valid handle, just returned to us and owned by nobody else.
    Ok(unsafe { OwnedHandle::from_raw_handle(handle) })
}

impl Pipe {
    fn raw(&self) -> HANDLE {
        self.handle.as_raw_handle()
    }

    /// Another handle on the same pipe.
    pub fn try_clone(&self) -> io::Result<Pipe> {
        Ok(Pipe { handle: self.handle.try_clone()? })
    }

    /// Ends every read and write on the pipe, a blocked one included: the
    /// client is disconnected, so later calls fail at once too.
    pub fn shutdown(&self) {
        // SAFETY: plain calls on a handle we own.
        unsafe {
            DisconnectNamedPipe(self.raw());
            CancelIoEx(self.raw(), ptr::null());
        }
    }

    /// The client is already there (it was opened before): this only
    /// confirms it.
    fn connect(&self) -> io::Result<()> {
        let result = self.overlapped(|overlapped| {
            // SAFETY: `overlapped` lives until the operation completes (see `overlapped`).
            unsafe { ConnectNamedPipe(self.raw(), overlapped) }
        });
        match result {
            Err(error) if error.raw_os_error() == Some(ERROR_PIPE_CONNECTED as i32) => Ok(()),
            result => result.map(|_| ()),
        }
    }

    /// Starts an overlapped operation with `start` and waits for it to end:
    /// the bytes it moved.
    fn overlapped(&self, start: impl FnOnce(*mut OVERLAPPED) -> i32) -> io::Result<usize> {
        // SAFETY: OVERLAPPED is plain data, valid zeroed.
        let mut overlapped: OVERLAPPED = unsafe { std::mem::zeroed() };
        overlapped.hEvent = thread_event()?;
        if start(&mut overlapped) == 0 {
            let error = io::Error::last_os_error();
            if error.raw_os_error() != Some(ERROR_IO_PENDING as i32) {
                return Err(error);
            }
        }
        let mut moved = 0u32;
        // SAFETY: waits until the operation that uses `overlapped` is over,
        // so it is not used after this frame.
        if unsafe { GetOverlappedResult(self.raw(), &overlapped, &mut moved, 1) } == 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(moved as usize)
    }
}

/// An event for this thread's overlapped operations (one at a time per
/// thread), made once and kept for the thread's life.
fn thread_event() -> io::Result<HANDLE> {
    thread_local! {
        static EVENT: OnceCell<OwnedHandle> = const { OnceCell::new() };
    }
    EVENT.with(|event| {
        if let Some(event) = event.get() {
            return Ok(event.as_raw_handle());
        }
        // SAFETY: an unnamed manual-reset event, not inheritable.
        let made = owned(unsafe { CreateEventW(ptr::null(), 1, 0, ptr::null()) })?;
        Ok(event.get_or_init(|| made).as_raw_handle())
    })
}

/// Whether `error` says the other end is gone (or the pipe was shut down).
fn is_closed(error: &io::Error) -> bool {
    [ERROR_BROKEN_PIPE, ERROR_PIPE_NOT_CONNECTED, ERROR_NO_DATA, ERROR_OPERATION_ABORTED]
        .iter()
        .any(|&code| error.raw_os_error() == Some(code as i32))
}

impl Read for &Pipe {
    /// 0 at the end: the child closed its end, or the pipe was shut down.
    fn read(&mut self, buffer: &mut [u8]) -> io::Result<usize> {
        let len = buffer.len().min(u32::MAX as usize) as u32;
        let result = self.overlapped(|overlapped| {
            // SAFETY: `buffer` outlives the operation (waited for in `overlapped`).
            unsafe { ReadFile(self.raw(), buffer.as_mut_ptr(), len, ptr::null_mut(), overlapped) }
        });
        match result {
            Err(error) if is_closed(&error) => Ok(0),
            result => result,
        }
    }
}

impl Read for Pipe {
    fn read(&mut self, buffer: &mut [u8]) -> io::Result<usize> {
        (&*self).read(buffer)
    }
}

impl Write for &Pipe {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        let len = bytes.len().min(u32::MAX as usize) as u32;
        let result = self.overlapped(|overlapped| {
            // SAFETY: `bytes` outlives the operation (waited for in `overlapped`).
            unsafe { WriteFile(self.raw(), bytes.as_ptr(), len, ptr::null_mut(), overlapped) }
        });
        match result {
            Err(error) if is_closed(&error) => Err(io::Error::new(io::ErrorKind::BrokenPipe, error)),
            result => result,
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
