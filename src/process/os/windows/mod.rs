//! Windows: named pipes handed to the child at descriptors 3 and 4 through
//! the C runtime's descriptor table (`lpReserved2`, as Node's own
//! `child_process` passes extra pipes), a job object that kills the children
//! when this process ends (see `job`), each child created in it, and
//! `TerminateProcess` to stop one.
//!
//! Windows has exit codes, not signals. As in Node's `child_process`, a child
//! this process terminated is reported as ended by the signal it stood for
//! (SIGTERM for `Stop::Ask`, SIGKILL for `Stop::Force`), with no exit code;
//! one that ended by itself has its exit code and no signal.

mod job;
mod pipe;

use std::fs::File;
use std::io;
use std::os::windows::io::{AsRawHandle, OwnedHandle};
use std::ptr;
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::Arc;

use windows_sys::Win32::Foundation::{
    DuplicateHandle, SetHandleInformation, DUPLICATE_SAME_ACCESS, GENERIC_READ, GENERIC_WRITE, HANDLE,
    HANDLE_FLAG_INHERIT, INVALID_HANDLE_VALUE, WAIT_FAILED,
};
use windows_sys::Win32::Security::SECURITY_ATTRIBUTES;
use windows_sys::Win32::Storage::FileSystem::{
    CreateFileW, GetFileType, FILE_SHARE_READ, FILE_SHARE_WRITE, FILE_TYPE_CHAR, FILE_TYPE_PIPE, OPEN_EXISTING,
};
use windows_sys::Win32::System::Console::{GetStdHandle, STD_ERROR_HANDLE, STD_HANDLE, STD_OUTPUT_HANDLE};
use windows_sys::Win32::System::Pipes::CreatePipe;
use windows_sys::Win32::System::Threading::{
    CreateProcessW, DeleteProcThreadAttributeList, GetCurrentProcess, GetExitCodeProcess,
    InitializeProcThreadAttributeList, TerminateProcess, UpdateProcThreadAttribute, WaitForSingleObject,
    CREATE_NEW_PROCESS_GROUP, CREATE_UNICODE_ENVIRONMENT, EXTENDED_STARTUPINFO_PRESENT, INFINITE,
    LPPROC_THREAD_ATTRIBUTE_LIST, PROCESS_INFORMATION, PROC_THREAD_ATTRIBUTE_HANDLE_LIST,
    PROC_THREAD_ATTRIBUTE_JOB_LIST, STARTF_USESTDHANDLES, STARTUPINFOEXW, STARTUPINFOW,
};

use super::command_line::{command_line, environment_block};
use super::{Ended, Spawned, Stop};
use crate::process::{frames, Settings, StdioMode};
use pipe::{owned, Direction};

/// The parent's end of a channel: a named pipe.
pub type Channel = pipe::Pipe;

/// Writes to a task channel block until the child reads, so only the child's
/// writer thread writes; other threads queue frames and wake it.
pub const WRITES_FROM_ANY_THREAD: bool = false;

/// The numbers Node gives these signals on Windows (`os.constants.signals`).
const SIGTERM: i32 = 15;
const SIGKILL: i32 = 9;
/// The exit code of a terminated child (as Node's `child_process` uses).
const TERMINATED: u32 = 1;

/// What every pool of process workers needs once per process: the job.
pub fn prepare() -> io::Result<()> {
    job::open().map(|_| ())
}

/// Starts a child as `settings` say, in the job from its creation.
pub fn spawn(settings: &Settings) -> io::Result<Spawned> {
    let (tasks, tasks_for_child) = pipe::pair(Direction::ToChild)?;
    let (results, results_for_child) = pipe::pair(Direction::FromChild)?;
    let stdin = null_device(GENERIC_READ)?;
    let (stdout, stdout_for_child) = output(settings.stdio, STD_OUTPUT_HANDLE)?;
    let (stderr, stderr_for_child) = output(settings.stdio, STD_ERROR_HANDLE)?;
    // Indexed by descriptor: the standard three, then the channels.
    const _: () = assert!(frames::TASKS_FD == 3 && frames::RESULTS_FD == 4);
    let descriptors = [
        Some(&stdin),
        stdout_for_child.as_ref(),
        stderr_for_child.as_ref(),
        Some(&tasks_for_child),
        Some(&results_for_child),
    ];
    let program = settings.program.to_str().ok_or_else(|| invalid("the program's path is not Unicode"))?;
    let mut line = command_line(program, &settings.args);
    let environment =
        settings.env.as_ref().map(|variables| environment_block(variables, |name| std::env::var(name).ok()));
    let application: Vec<u16> = program.encode_utf16().chain([0]).collect();
    // Only these handles are inherited, whatever else is inheritable here;
    // the child is created in the job, so that it never runs outside it,
    // even if this process dies the next instant.
    let inherited: Vec<HANDLE> = descriptors.iter().flatten().map(|handle| handle.as_raw_handle()).collect();
    let jobs = [job::open()?];
    let attributes = AttributeList::new(&inherited, &jobs)?;
    let mut table = descriptor_table(&descriptors);
    let raw = |handle: Option<&OwnedHandle>| handle.map_or(INVALID_HANDLE_VALUE, |handle| handle.as_raw_handle());
    let startup = STARTUPINFOEXW {
        StartupInfo: STARTUPINFOW {
            cb: size_of::<STARTUPINFOEXW>() as u32,
            dwFlags: STARTF_USESTDHANDLES,
            cbReserved2: table.len() as u16,
            lpReserved2: table.as_mut_ptr(),
            hStdInput: stdin.as_raw_handle(),
            hStdOutput: raw(stdout_for_child.as_ref()),
            hStdError: raw(stderr_for_child.as_ref()),
            ..STARTUPINFOW::default()
        },
        lpAttributeList: attributes.list(),
    };
    let mut info = PROCESS_INFORMATION::default();
    // A group of its own, so that a Ctrl-C at the console is the parent's
    // to handle (it may want to close()).
    let flags = CREATE_UNICODE_ENVIRONMENT | CREATE_NEW_PROCESS_GROUP | EXTENDED_STARTUPINFO_PRESENT;
    // SAFETY: every pointer is valid and NUL-terminated where it must be, and
    // outlives the call; `line` is writable, as CreateProcessW requires.
    let created = unsafe {
        CreateProcessW(
            application.as_ptr(),
            line.as_mut_ptr(),
            ptr::null(),
            ptr::null(),
            1,
            flags,
            environment.as_ref().map_or(ptr::null(), |block| block.as_ptr().cast()),
            ptr::null(),
            &startup.StartupInfo,
            &mut info,
        )
    };
    if created == 0 {
        return Err(io::Error::last_os_error());
    }
    let process = Process::new(owned(info.hProcess)?, info.dwProcessId);
    drop(owned(info.hThread)?);
    // The child has its copies; the parent keeps only its own ends.
    drop((tasks_for_child, results_for_child, stdin, stdout_for_child, stderr_for_child));
    Ok(Spawned { process, tasks, results, stdout, stderr })
}

fn invalid(message: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, message)
}

fn inheritable() -> SECURITY_ATTRIBUTES {
    SECURITY_ATTRIBUTES {
        nLength: size_of::<SECURITY_ATTRIBUTES>() as u32,
        lpSecurityDescriptor: ptr::null_mut(),
        bInheritHandle: 1,
    }
}

/// The null device, inheritable, opened for `access`.
fn null_device(access: u32) -> io::Result<OwnedHandle> {
    let name: Vec<u16> = "NUL".encode_utf16().chain([0]).collect();
    let attributes = inheritable();
    // SAFETY: `name` is NUL-terminated and `attributes` outlives the call.
    owned(unsafe {
        CreateFileW(
            name.as_ptr(),
            access,
            FILE_SHARE_READ | FILE_SHARE_WRITE,
            &attributes,
            OPEN_EXISTING,
            0,
            ptr::null_mut(),
        )
    })
}

/// The child's stdout or stderr (`which`) as `mode` says: the parent's own
/// (an inheritable copy; none if the parent has none), a pipe whose read end
/// the parent keeps to forward the lines, or the null device.
fn output(mode: StdioMode, which: STD_HANDLE) -> io::Result<(Option<File>, Option<OwnedHandle>)> {
    match mode {
        StdioMode::Inherit => {
            // SAFETY: reads the process's standard handle; it is not ours to close.
            let own = unsafe { GetStdHandle(which) };
            if own.is_null() || own == INVALID_HANDLE_VALUE {
                return Ok((None, None));
            }
            let mut copy = ptr::null_mut();
            // SAFETY: duplicates a valid handle within this process.
            let duplicated = unsafe {
                DuplicateHandle(GetCurrentProcess(), own, GetCurrentProcess(), &mut copy, 0, 1, DUPLICATE_SAME_ACCESS)
            };
            if duplicated == 0 {
                return Err(io::Error::last_os_error());
            }
            Ok((None, Some(owned(copy)?)))
        }
        StdioMode::Prefix => {
            let (mut read, mut write) = (ptr::null_mut(), ptr::null_mut());
            // SAFETY: two out-pointers; default security (not inheritable).
            if unsafe { CreatePipe(&mut read, &mut write, ptr::null(), 0) } == 0 {
                return Err(io::Error::last_os_error());
            }
            let (read, write) = (owned(read)?, owned(write)?);
            // SAFETY: a valid handle of ours; only the child's end is inherited.
            if unsafe { SetHandleInformation(write.as_raw_handle(), HANDLE_FLAG_INHERIT, HANDLE_FLAG_INHERIT) } == 0 {
                return Err(io::Error::last_os_error());
            }
            Ok((Some(File::from(read)), Some(write)))
        }
        StdioMode::Ignore => Ok((None, Some(null_device(GENERIC_WRITE)?))),
    }
}

/// The C runtime's inherited descriptor table (`lpReserved2`): the count
/// u32, a flags byte per descriptor, then a handle per descriptor, unpadded.
fn descriptor_table(descriptors: &[Option<&OwnedHandle>]) -> Vec<u8> {
    // The C runtime's flags: open, a pipe, a character device.
    const FOPEN: u8 = 0x01;
    const FPIPE: u8 = 0x08;
    const FDEV: u8 = 0x40;
    let mut table = (descriptors.len() as u32).to_le_bytes().to_vec();
    for descriptor in descriptors {
        table.push(match descriptor {
            None => 0,
            // SAFETY: queries a valid handle.
            Some(handle) => match unsafe { GetFileType(handle.as_raw_handle()) } {
                FILE_TYPE_PIPE => FOPEN | FPIPE,
                FILE_TYPE_CHAR => FOPEN | FDEV,
                _ => FOPEN,
            },
        });
    }
    for descriptor in descriptors {
        let handle = descriptor.map_or(INVALID_HANDLE_VALUE, |handle| handle.as_raw_handle());
        table.extend_from_slice(&(handle as usize).to_le_bytes());
    }
    table
}

/// A process-and-thread attribute list: the handles a child inherits, and
/// the jobs it is created in (Windows 10 and later).
struct AttributeList {
    memory: Vec<u64>,
}

impl AttributeList {
    /// `handles` and `jobs` must outlive the list's use in CreateProcessW.
    fn new(handles: &[HANDLE], jobs: &[HANDLE]) -> io::Result<AttributeList> {
        let mut size = 0;
        // SAFETY: asks for the size only (fails with ERROR_INSUFFICIENT_BUFFER).
        unsafe { InitializeProcThreadAttributeList(ptr::null_mut(), 2, 0, &mut size) };
        let mut list = AttributeList { memory: vec![0; size.div_ceil(8)] };
        // SAFETY: `memory` holds `size` bytes, aligned for the list.
        if unsafe { InitializeProcThreadAttributeList(list.list(), 2, 0, &mut size) } == 0 {
            list.memory = Vec::new();
            return Err(io::Error::last_os_error());
        }
        list.set(PROC_THREAD_ATTRIBUTE_HANDLE_LIST, handles)?;
        list.set(PROC_THREAD_ATTRIBUTE_JOB_LIST, jobs)?;
        Ok(list)
    }

    fn set(&mut self, attribute: u32, handles: &[HANDLE]) -> io::Result<()> {
        // SAFETY: the list is initialized; `handles` outlives its use (caller).
        let updated = unsafe {
            UpdateProcThreadAttribute(
                self.list(),
                0,
                attribute as usize,
                handles.as_ptr().cast(),
                size_of_val(handles),
                ptr::null_mut(),
                ptr::null(),
            )
        };
        if updated == 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }

    fn list(&self) -> LPPROC_THREAD_ATTRIBUTE_LIST {
        self.memory.as_ptr().cast_mut().cast()
    }
}

impl Drop for AttributeList {
    fn drop(&mut self) {
        if !self.memory.is_empty() {
            // SAFETY: the list was initialized.
            unsafe { DeleteProcThreadAttributeList(self.list()) };
        }
    }
}

/// Ends every read and write on `channel`, a blocked one included.
pub fn shutdown(channel: &Channel) {
    channel.shutdown();
}

/// A started child. Its handle keeps its process id from being reused.
pub struct Process {
    control: Arc<Control>,
    pid: u32,
}

struct Control {
    handle: OwnedHandle,
    /// The signal a stop stood for, once this process terminated the child.
    stopped_with: AtomicI32,
}

impl Process {
    fn new(handle: OwnedHandle, pid: u32) -> Process {
        Process { control: Arc::new(Control { handle, stopped_with: AtomicI32::new(0) }), pid }
    }

    fn raw(&self) -> HANDLE {
        self.control.handle.as_raw_handle()
    }

    pub fn id(&self) -> u32 {
        self.pid
    }

    pub fn stopper(&self) -> Stopper {
        Stopper(self.control.clone())
    }

    /// Blocks until it has exited.
    pub fn wait_for_exit(&self) -> io::Result<()> {
        // SAFETY: waits on a valid process handle.
        if unsafe { WaitForSingleObject(self.raw(), INFINITE) } == WAIT_FAILED {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }

    /// Its end, once it has exited (blocks until then).
    pub fn reap(&mut self) -> io::Result<Ended> {
        self.wait_for_exit()?;
        let mut code = 0u32;
        // SAFETY: a valid process handle and an out-pointer.
        if unsafe { GetExitCodeProcess(self.raw(), &mut code) } == 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(match self.control.stopped_with.load(Ordering::Acquire) {
            0 => Ended { code: Some(code as i32), signal: None },
            signal => Ended { code: None, signal: Some(signal) },
        })
    }

    /// For a child nobody else may stop: terminates it and waits for its end.
    pub fn kill_and_reap(&mut self) {
        // SAFETY: a valid process handle.
        unsafe { TerminateProcess(self.raw(), TERMINATED) };
        let _ = self.wait_for_exit();
    }
}

/// Stops a child through its handle.
#[derive(Clone)]
pub struct Stopper(Arc<Control>);

impl Stopper {
    pub fn stop(&self, how: Stop) {
        // SAFETY: a valid process handle (the Arc keeps it open).
        if unsafe { TerminateProcess(self.0.handle.as_raw_handle(), TERMINATED) } != 0 {
            let signal = if how == Stop::Ask { SIGTERM } else { SIGKILL };
            // The first stop is what ended it.
            let _ = self.0.stopped_with.compare_exchange(0, signal, Ordering::AcqRel, Ordering::Acquire);
        }
    }
}
