//! The reader thread: frames from the child, each answered at once.

use std::io::{self, Read};
use std::sync::Arc;

use super::{ChildDoorbell, ChildWorker};
use crate::core::Outcome;
use crate::process::os::{Channel, Stop};
use crate::process::{frames, Supervisor};

/// A result frame bigger than this is read into a buffer of its own.
const BIG_RESULT: usize = 1024 * 1024;

/// Hands a result to the core and the child's next task to the child.
fn complete(child: &Arc<ChildWorker>, header: frames::ResultHeader, bytes: Vec<u8>) {
    if let Some(mb) = header.memory_mb {
        child.pool.report_memory(child.worker, mb);
    }
    let outcome = if header.ok { Outcome::Returned(bytes) } else { Outcome::Threw(bytes) };
    if let Some(next) = child.pool.complete(child.worker, header.task, outcome) {
        child.deliver(next);
    }
}

/// The reader: returns what the child said before dying (empty if nothing).
pub(super) fn read_results(child: &Arc<ChildWorker>, channel: Channel, supervisor: &Supervisor) -> Vec<u8> {
    let mut stream = &channel;
    let mut cause = Vec::new();
    let mut buffer = vec![0u8; 64 * 1024];
    let mut filled = 0;
    loop {
        let read = match stream.read(&mut buffer[filled..]) {
            Ok(0) => break,
            Ok(read) => read,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            Err(_) => break,
        };
        filled += read;
        let parsed = frames::parse(&buffer[..filled], |frame| match frame {
            frames::FromChild::Ready => {
                let first = child.pool.worker_ready(child.worker, Arc::new(ChildDoorbell(child.clone())));
                if let Some(delivery) = first {
                    child.deliver(delivery);
                }
            }
            frames::FromChild::Result { task, ok, memory_mb, bytes } => {
                complete(child, frames::ResultHeader { task, ok, memory_mb }, bytes.to_vec())
            }
            frames::FromChild::Fatal(bytes) => cause = bytes.to_vec(),
            frames::FromChild::AbortsSeen => {
                child.pool.aborts_seen(child.worker);
                // Out of its grace, it may take what waits.
                child.send_assigned();
            }
        });
        let used = match parsed {
            Ok(used) => used,
            Err(message) => {
                // Not our runtime speaking (something else wrote to the channel):
                // the child cannot be trusted to run tasks.
                cause = message.into_bytes();
                child.stop(Stop::Force);
                break;
            }
        };
        buffer.copy_within(used..filled, 0);
        filled -= used;
        let needed = frames::pending_len(&buffer[..filled]).unwrap_or(0);
        if let Some(header) = frames::big_result_header(&buffer[..filled], BIG_RESULT) {
            // Its payload is read straight into memory of its own (no zeroing,
            // no second copy) and handed to the core as it is.
            let mut payload = Vec::with_capacity(needed - frames::RESULT_PREFIX);
            payload.extend_from_slice(&buffer[frames::RESULT_PREFIX..filled]);
            let missing = (needed - filled) as u64;
            match (&mut stream).take(missing).read_to_end(&mut payload) {
                Ok(read) if read as u64 == missing => complete(child, header, payload),
                // The child died mid-frame: its exit settles the task.
                _ => break,
            }
            filled = 0;
        } else if needed > buffer.len() {
            buffer.resize(needed, 0);
        } else if filled == 0 && buffer.len() > 1024 * 1024 {
            // A huge result has gone; do not keep its buffer.
            buffer.truncate(64 * 1024);
            buffer.shrink_to_fit();
        }
    }
    // The channel closed. A child that closed it and lives on cannot be
    // reached any more; it is killed after a grace (a no-op once it is reaped).
    child.kill_after(supervisor.timers.as_ref());
    cause
}
