//! The job object every child is created in (`PROC_THREAD_ATTRIBUTE_JOB_LIST`:
//! in it from the start, so that no moment exists when this process could die
//! and leave it outside): closing the job's last handle kills every process
//! in it (`JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE`). Only this process holds that
//! handle (it is not inheritable), and Windows closes it when this process
//! ends, however it ends: its children go with it.

use std::io;
use std::os::windows::io::{AsRawHandle, OwnedHandle};
use std::ptr;
use std::sync::OnceLock;

use windows_sys::Win32::Foundation::HANDLE;
use windows_sys::Win32::System::JobObjects::{
    CreateJobObjectW, JobObjectExtendedLimitInformation, SetInformationJobObject, JOBOBJECT_EXTENDED_LIMIT_INFORMATION,
    JOB_OBJECT_LIMIT_BREAKAWAY_OK, JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE,
};

use super::pipe::owned;

static JOB: OnceLock<OwnedHandle> = OnceLock::new();

/// The job, created by the first pool of process workers.
pub fn open() -> io::Result<HANDLE> {
    if let Some(job) = JOB.get() {
        return Ok(job.as_raw_handle());
    }
    // SAFETY: an unnamed job with default (not inheritable) security.
    let job = owned(unsafe { CreateJobObjectW(ptr::null(), ptr::null()) })?;
    // SAFETY: the structure is plain data, valid zeroed.
    let mut limits: JOBOBJECT_EXTENDED_LIMIT_INFORMATION = unsafe { std::mem::zeroed() };
    // A child's own children are in the job too, and die with it, unless
    // they were started to break away from it (CREATE_BREAKAWAY_FROM_JOB).
    limits.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE | JOB_OBJECT_LIMIT_BREAKAWAY_OK;
    // SAFETY: `limits` is the structure this information class takes, and its size.
    let set = unsafe {
        SetInformationJobObject(
            job.as_raw_handle(),
            JobObjectExtendedLimitInformation,
            (&raw const limits).cast(),
            size_of::<JOBOBJECT_EXTENDED_LIMIT_INFORMATION>() as u32,
        )
    };
    if set == 0 {
        return Err(io::Error::last_os_error());
    }
    // Another thread may have won the race: its job is kept, this one closed.
    Ok(JOB.get_or_init(|| job).as_raw_handle())
}
