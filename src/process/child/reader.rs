//! The reader thread: frames from the child, each answered at once.

use std::io::{self, Read};
use std::os::unix::net::UnixStream;
use std::sync::Arc;

use super::{ChildDoorbell, ChildWorker};
use crate::core::Outcome;
use crate::process::{frames, sys, Supervisor};

/// The reader: returns what the child said before dying (empty if nothing).
pub(super) fn read_results(child: &Arc<ChildWorker>, mut stream: UnixStream, supervisor: &Supervisor) -> Vec<u8> {
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
                if let Some(mb) = memory_mb {
                    child.pool.report_memory(child.worker, mb);
                }
                let outcome = if ok { Outcome::Returned(bytes.to_vec()) } else { Outcome::Threw(bytes.to_vec()) };
                if let Some(next) = child.pool.complete(child.worker, task, outcome) {
                    child.deliver(next);
                }
            }
            frames::FromChild::Fatal(bytes) => cause = bytes.to_vec(),
        });
        let used = match parsed {
            Ok(used) => used,
            Err(message) => {
                // Not our runtime speaking (something else wrote to the channel):
                // the child cannot be trusted to run tasks.
                cause = message.into_bytes();
                child.signal(sys::SIGKILL);
                break;
            }
        };
        buffer.copy_within(used..filled, 0);
        filled -= used;
        let needed = frames::pending_len(&buffer[..filled]).unwrap_or(0);
        if needed > buffer.len() {
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
