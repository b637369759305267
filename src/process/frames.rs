//! The frames a process worker and its parent exchange (read and written by
//! `lib/worker/process/channel.js`, whose constants are generated from these:
//! see `binding::generated_js`). Each frame: length u32 (of what follows) | kind u8 | body,
//! little-endian. Two one-way channels carry them. The parent writes tasks on
//! one, a non-blocking socket: the thread that queues a frame writes what the
//! socket takes at once, and the child's writer thread finishes the rest (see
//! `child`). The child writes results on the other from its JavaScript thread,
//! with `fs.writeSync` on a blocking descriptor until each frame is whole; the
//! parent's reader thread takes them with blocking reads.

use crate::core::{Delivery, HandlerId, HandlerSpec, TaskId};

// Parent to child.
/// body: worker id u32 | the runtime's settings (v8-serialized by JavaScript).
pub const INIT: u8 = 1;
/// body: handler id u32 | filename | export name, each a string (see `put_string`).
pub const HANDLER: u8 = 2;
/// body: a delivery, as thread workers get it (see `Delivery::header`).
pub const TASK: u8 = 3;
/// body: task id f64. The task was aborted; its `ctx.signal` aborts.
pub const ABORT: u8 = 4;

// Child to parent.
/// No body: the module loaded; tasks may come.
pub const READY: u8 = 1;
/// body: task id f64 | ok u8 | memory in MB f64 (NaN when not measured) | result or thrown bytes.
pub const RESULT: u8 = 2;
/// body: the thrown-value bytes of the error the child is about to die of.
pub const FATAL: u8 = 3;
/// No body: the child has read abort notices on its event loop, which thus
/// still turns (see `core/pool/grace.rs`).
pub const ABORTS_SEEN: u8 = 4;

/// A frame's length u32 and kind u8.
pub const HEADER: usize = 5;
/// A result frame's header and the fixed part of its body: task id, ok, memory.
pub const RESULT_PREFIX: usize = HEADER + 8 + 1 + 8;
/// The length that stands for an absent string (an export name, say).
pub const NO_STRING: u32 = u32::MAX;

/// The descriptors the child finds its two channels at: the first after the
/// standard ones.
pub const TASKS_FD: i32 = 3;
pub const RESULTS_FD: i32 = 4;
/// Unix: where the child finds its lifeline (see `os::unix::lifeline`).
#[cfg_attr(windows, allow(dead_code))]
pub const LIFELINE_FD: i32 = 5;

/// Appends one frame to `out`, its body written by `body`.
fn frame(out: &mut Vec<u8>, kind: u8, body: impl FnOnce(&mut Vec<u8>)) {
    let start = out.len();
    out.extend_from_slice(&[0; HEADER]);
    out[start + 4] = kind;
    body(out);
    let len = (out.len() - start - 4) as u32;
    out[start..start + 4].copy_from_slice(&len.to_le_bytes());
}

fn put_string(out: &mut Vec<u8>, value: Option<&str>) {
    match value {
        Some(text) => {
            out.extend_from_slice(&(text.len() as u32).to_le_bytes());
            out.extend_from_slice(text.as_bytes());
        }
        None => out.extend_from_slice(&NO_STRING.to_le_bytes()),
    }
}

pub fn init(out: &mut Vec<u8>, worker: u32, settings: &[u8]) {
    frame(out, INIT, |out| {
        out.extend_from_slice(&worker.to_le_bytes());
        out.extend_from_slice(settings);
    });
}

pub fn handler(out: &mut Vec<u8>, id: HandlerId, spec: &HandlerSpec) {
    frame(out, HANDLER, |out| {
        out.extend_from_slice(&id.0.to_le_bytes());
        put_string(out, spec.filename.as_deref());
        put_string(out, spec.name.as_deref());
    });
}

pub fn task(out: &mut Vec<u8>, delivery: &Delivery) {
    frame(out, TASK, |out| {
        out.extend_from_slice(&delivery.header());
        out.extend_from_slice(&delivery.payload);
    });
}

/// A task frame up to its payload, which the caller sends right behind it.
pub fn task_header(out: &mut Vec<u8>, delivery: &Delivery) {
    let len = (1 + Delivery::HEADER_LEN + delivery.payload.len()) as u32;
    out.extend_from_slice(&len.to_le_bytes());
    out.push(TASK);
    out.extend_from_slice(&delivery.header());
}

pub fn abort(out: &mut Vec<u8>, task: TaskId) {
    frame(out, ABORT, |out| out.extend_from_slice(&(task.0 as f64).to_le_bytes()));
}

/// A frame from the child.
#[derive(Debug, PartialEq)]
pub enum FromChild<'a> {
    Ready,
    Result { task: TaskId, ok: bool, memory_mb: Option<f64>, bytes: &'a [u8] },
    Fatal(&'a [u8]),
    AbortsSeen,
}

/// The fixed part of a result frame.
#[derive(Debug, PartialEq)]
pub struct ResultHeader {
    pub task: TaskId,
    pub ok: bool,
    pub memory_mb: Option<f64>,
}

fn result_header(body: &[u8]) -> ResultHeader {
    ResultHeader {
        task: TaskId(f64::from_le_bytes(body[0..8].try_into().unwrap()) as u64),
        ok: body[8] != 0,
        memory_mb: Some(f64::from_le_bytes(body[9..17].try_into().unwrap())).filter(|mb| !mb.is_nan()),
    }
}

/// If `buffer` starts with a result frame longer than `big` whose fixed part
/// has arrived: that part. (Its payload is then best read on its own.)
pub fn big_result_header(buffer: &[u8], big: usize) -> Option<ResultHeader> {
    let needed = pending_len(buffer)?;
    (needed > big && buffer.len() >= RESULT_PREFIX && buffer[4] == RESULT).then(|| result_header(&buffer[HEADER..]))
}

/// Splits complete frames off the front of `buffer`. Returns how many bytes
/// they took; what remains is the start of a frame still arriving.
pub fn parse<'a>(buffer: &'a [u8], mut visit: impl FnMut(FromChild<'a>)) -> Result<usize, String> {
    let mut at = 0;
    while buffer.len() - at >= HEADER {
        let len = u32::from_le_bytes(buffer[at..at + 4].try_into().unwrap()) as usize;
        if len == 0 {
            return Err("an empty frame from a process worker".to_owned());
        }
        if buffer.len() - at - 4 < len {
            break;
        }
        let body = &buffer[at + HEADER..at + 4 + len];
        visit(match buffer[at + 4] {
            READY => FromChild::Ready,
            RESULT if body.len() >= RESULT_PREFIX - HEADER => {
                let ResultHeader { task, ok, memory_mb } = result_header(body);
                FromChild::Result { task, ok, memory_mb, bytes: &body[RESULT_PREFIX - HEADER..] }
            }
            FATAL => FromChild::Fatal(body),
            ABORTS_SEEN => FromChild::AbortsSeen,
            kind => return Err(format!("unknown frame kind {kind} (length {len}) from a process worker")),
        });
        at += 4 + len;
    }
    Ok(at)
}

/// How many bytes the frame at the front of `buffer` needs in all, once its header has arrived.
pub fn pending_len(buffer: &[u8]) -> Option<usize> {
    (buffer.len() >= 4).then(|| 4 + u32::from_le_bytes(buffer[0..4].try_into().unwrap()) as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result_frame(task: f64, ok: bool, memory: f64, bytes: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        frame(&mut out, RESULT, |out| {
            out.extend_from_slice(&task.to_le_bytes());
            out.push(ok as u8);
            out.extend_from_slice(&memory.to_le_bytes());
            out.extend_from_slice(bytes);
        });
        out
    }

    #[test]
    fn parses_whole_frames_and_leaves_a_partial_one() {
        let mut stream = result_frame(7.0, true, f64::NAN, b"{\"a\":1}");
        stream.extend(result_frame(8.0, false, 12.5, b"err"));
        frame(&mut stream, READY, |_| {});
        let whole = stream.len();
        stream.extend_from_slice(&result_frame(9.0, true, 1.0, b"x")[..6]);

        let mut seen = Vec::new();
        let used = parse(&stream, |frame| seen.push(format!("{frame:?}"))).unwrap();
        assert_eq!(used, whole);
        assert_eq!(seen.len(), 3);
        assert!(seen[0].contains("TaskId(7)") && seen[0].contains("memory_mb: None"));
        assert!(seen[1].contains("ok: false") && seen[1].contains("Some(12.5)"));
        assert_eq!(seen[2], "Ready");
        assert_eq!(pending_len(&stream[used..]), Some(result_frame(9.0, true, 1.0, b"x").len()));
    }

    #[test]
    fn an_unknown_frame_is_an_error() {
        let mut stream = Vec::new();
        frame(&mut stream, 99, |out| out.push(1));
        assert!(parse(&stream, |_| {}).is_err());
    }

    #[test]
    fn task_frames_carry_the_delivery_layout() {
        let mut out = Vec::new();
        task(&mut out, &Delivery { id: TaskId(5), handler: HandlerId(2), payload: vec![9, 9] });
        assert_eq!(out.len(), 4 + 1 + 8 + 4 + 2);
        assert_eq!(u32::from_le_bytes(out[0..4].try_into().unwrap()) as usize, out.len() - 4);
        assert_eq!(out[4], TASK);
        assert_eq!(f64::from_le_bytes(out[5..13].try_into().unwrap()), 5.0);

        let mut header = Vec::new();
        task_header(&mut header, &Delivery { id: TaskId(5), handler: HandlerId(2), payload: vec![9, 9] });
        assert_eq!(header[..], out[..out.len() - 2], "the same frame, up to its payload");
    }

    #[test]
    fn a_big_result_is_recognized_from_its_fixed_part() {
        let result = result_frame(3.0, true, 2.0, &[7; 100]);
        assert_eq!(big_result_header(&result[..RESULT_PREFIX - 1], 50), None, "its fixed part has not arrived");
        let header = big_result_header(&result[..RESULT_PREFIX], 50).expect("a big result");
        assert_eq!(header, ResultHeader { task: TaskId(3), ok: true, memory_mb: Some(2.0) });
        assert_eq!(big_result_header(&result, 1000), None, "not big");
        let mut ready = Vec::new();
        frame(&mut ready, READY, |_| {});
        assert_eq!(big_result_header(&ready, 0), None, "not a result");
    }
}
