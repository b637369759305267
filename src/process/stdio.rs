//! A child's stdout and stderr, forwarded to the parent's line by line with
//! the worker's id in front. Each line is one write, so lines from different
//! children (and from the parent itself) interleave but are never torn, and a
//! child's own lines keep their order.

use std::io::{self, Read};
use std::sync::mpsc;
use std::thread;

/// A line longer than this is forwarded in pieces, each prefixed.
const MAX_LINE: usize = 64 * 1024;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StdioMode {
    /// The child writes straight to the parent's stdout and stderr.
    Inherit,
    /// Lines are forwarded with `[worker N] ` in front.
    Prefix,
    /// Discarded.
    Ignore,
}

#[derive(Clone, Copy)]
pub enum Stream {
    Stdout,
    Stderr,
}

/// Forwards `source` until it closes; the returned channel reports that moment.
pub fn forward(source: impl Read + Send + 'static, stream: Stream, prefix: String) -> io::Result<mpsc::Receiver<()>> {
    let (done, finished) = mpsc::channel();
    thread::Builder::new().name("parallel-processor-stdio".into()).stack_size(64 * 1024).spawn(move || {
        forward_lines(source, stream, prefix.as_bytes());
        let _ = done.send(());
    })?;
    Ok(finished)
}

fn forward_lines(mut source: impl Read, stream: Stream, prefix: &[u8]) {
    let mut pending = Vec::with_capacity(8 * 1024);
    let mut chunk = [0u8; 8 * 1024];
    let mut line = Vec::with_capacity(8 * 1024);
    loop {
        let read = match source.read(&mut chunk) {
            Ok(0) => break,
            Ok(read) => read,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            Err(_) => break,
        };
        pending.extend_from_slice(&chunk[..read]);
        let mut start = 0;
        while let Some(newline) = pending[start..].iter().position(|&b| b == b'\n') {
            emit(stream, prefix, &pending[start..start + newline], &mut line);
            start += newline + 1;
        }
        pending.drain(..start);
        if pending.len() >= MAX_LINE {
            emit(stream, prefix, &pending, &mut line);
            pending.clear();
        }
    }
    if !pending.is_empty() {
        emit(stream, prefix, &pending, &mut line);
    }
}

fn emit(stream: Stream, prefix: &[u8], text: &[u8], line: &mut Vec<u8>) {
    line.clear();
    line.extend_from_slice(prefix);
    line.extend_from_slice(text);
    line.push(b'\n');
    write_line(stream, line);
}

/// One whole line to the parent's descriptor 1 or 2. Written directly (not
/// through Rust's buffered handles), and retried when Node has made the
/// descriptor non-blocking and it is momentarily full.
#[cfg(unix)]
fn write_line(stream: Stream, mut line: &[u8]) {
    use parking_lot::Mutex;
    use std::fs::File;
    use std::io::Write;
    use std::mem::ManuallyDrop;
    use std::os::fd::FromRawFd;
    use std::time::Duration;

    static STDOUT: Mutex<()> = Mutex::new(());
    static STDERR: Mutex<()> = Mutex::new(());
    let (fd, lock) = match stream {
        Stream::Stdout => (1, &STDOUT),
        Stream::Stderr => (2, &STDERR),
    };
    let _whole_line = lock.lock();
    // Borrowed, never closed: the descriptor belongs to the process.
    // SAFETY: descriptors 1 and 2 stay open for the life of the process, and
    // the ManuallyDrop keeps this File from closing the one it borrows.
    let mut target = ManuallyDrop::new(unsafe { File::from_raw_fd(fd) });
    while !line.is_empty() {
        match target.write(line) {
            Ok(written) => line = &line[written..],
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(error) if error.kind() == io::ErrorKind::WouldBlock => thread::sleep(Duration::from_millis(1)),
            // Closed (the parent's reader went away): not the child's problem.
            Err(_) => return,
        }
    }
}

/// One whole line to the parent's stdout or stderr, through Rust's own
/// handles (Windows writes a console in UTF-16; they do it), each under its
/// lock, a line at a time.
#[cfg(windows)]
fn write_line(stream: Stream, line: &[u8]) {
    use std::io::Write;
    // Closed or failing: not the child's problem.
    let _ = match stream {
        Stream::Stdout => io::stdout().lock().write_all(line),
        Stream::Stderr => io::stderr().lock().write_all(line),
    };
}
