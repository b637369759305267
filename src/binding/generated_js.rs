//! `lib/shared/generated/constants.js`: the byte layouts and codes that
//! JavaScript shares with Rust, written from their Rust definitions so that
//! each has one. JavaScript that never loads the addon (a process worker's
//! runtime) reads them there; the addon exports the rest itself (`EventKind`,
//! the reasons' names).
//!
//! The test below fails while the file is stale; run it with
//! `UPDATE_GENERATED=1` to rewrite the file.

use std::fmt::Write;

use super::cluster::CLUSTER_PAYLOAD;
use super::pool_handle::ANNOUNCED_PAYLOAD;
use super::wire::RECORD_HEADER;
use crate::cluster::node::ResultKind;
use crate::core::Delivery;
use crate::process::frames;

const PATH: &str = "lib/shared/generated/constants.js";

/// Every `ResultKind`, by the name JavaScript knows it by.
fn result_kinds() -> [(&'static str, ResultKind); 6] {
    // A new kind fails to compile here until it is named.
    let name = |kind: ResultKind| match kind {
        ResultKind::Done => "done",
        ResultKind::DeliveryLimit => "deliveryLimit",
        ResultKind::Lost => "lost",
        ResultKind::Invalid => "invalid",
        ResultKind::Unavailable => "unavailable",
        ResultKind::QueueFull => "queueFull",
    };
    [
        ResultKind::Done,
        ResultKind::DeliveryLimit,
        ResultKind::Lost,
        ResultKind::Invalid,
        ResultKind::Unavailable,
        ResultKind::QueueFull,
    ]
    .map(|kind| (name(kind), kind))
}

/// `{ a: 1, b: 2 }`, frozen.
fn frozen(entries: &[(&str, u64)]) -> String {
    let fields: Vec<String> = entries.iter().map(|(name, value)| format!("{name}: {value}")).collect();
    format!("Object.freeze({{ {} }})", fields.join(", "))
}

fn render() -> String {
    let mut js = String::new();
    let mut line = |text: &str| writeln!(js, "{text}").unwrap();
    line("'use strict'");
    line("");
    line("// Generated from the Rust sources by src/binding/generated_js.rs: do not");
    line("// edit. `UPDATE_GENERATED=1 cargo test --lib generated_js` rewrites it;");
    line("// `cargo test` fails while it is stale. It loads nothing: process workers");
    line("// read it too.");
    line("");
    line("/** An event record's fixed part: kind u8 | a, b, c, d f64 | length u32 (src/binding/wire.rs). */");
    line(&format!("const EVENT_RECORD_HEADER = {RECORD_HEADER}"));
    line("/** A task's header as a worker gets it: task id f64 | handler u32 (`Delivery::header`). */");
    line(&format!("const DELIVERY_HEADER = {}", Delivery::HEADER_LEN));
    line("/**");
    line(" * The first byte of a payload that is neither JSON text nor v8's format:");
    line(" * `side`, it travels on the worker's side channel (a result sent that way");
    line(" * starts with it too, then the worker's id u32); `cluster`, it came from a");
    line(" * cluster's queue: the delivery count u32, then the submitter's bytes.");
    line(" */");
    line(&format!(
        "const PAYLOAD_MARKER = {}",
        frozen(&[("side", ANNOUNCED_PAYLOAD.into()), ("cluster", CLUSTER_PAYLOAD.into())])
    ));
    line("/** A process worker's frames (src/process/frames.rs): length u32 | kind u8 | body. */");
    line("const PROCESS_FRAME = Object.freeze({");
    line(&format!("  header: {},", frames::HEADER));
    line("  /** A result frame's header and the fixed part of its body: task id f64 | ok u8 | memory f64. */");
    line(&format!("  resultHeader: {},", frames::RESULT_PREFIX));
    line("  /** The length of an absent string. */");
    line(&format!("  noString: {},", frames::NO_STRING));
    line(&format!(
        "  toChild: {},",
        frozen(&[
            ("init", frames::INIT.into()),
            ("handler", frames::HANDLER.into()),
            ("task", frames::TASK.into()),
            ("abort", frames::ABORT.into()),
        ])
    ));
    line(&format!(
        "  toParent: {},",
        frozen(&[
            ("ready", frames::READY.into()),
            ("result", frames::RESULT.into()),
            ("fatal", frames::FATAL.into()),
            ("abortsSeen", frames::ABORTS_SEEN.into()),
        ])
    ));
    line("  /** The descriptors the child finds its channels at. */");
    line(&format!("  tasksFd: {},", frames::TASKS_FD));
    line(&format!("  resultsFd: {},", frames::RESULTS_FD));
    line(&format!("  lifelineFd: {},", frames::LIFELINE_FD));
    line("})");
    line("/** How a cluster task ended, besides a node's outcome (`ResultKind` in src/cluster/node/mod.rs). */");
    let kinds: Vec<(&str, u64)> = result_kinds().iter().map(|&(name, kind)| (name, kind as u64)).collect();
    line(&format!("const CLUSTER_RESULT = {}", frozen(&kinds)));
    line("");
    line("module.exports = { EVENT_RECORD_HEADER, DELIVERY_HEADER, PAYLOAD_MARKER, PROCESS_FRAME, CLUSTER_RESULT }");
    js
}

#[test]
fn generated_js_is_fresh() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(PATH);
    let expected = render();
    if std::env::var_os("UPDATE_GENERATED").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &expected).unwrap();
        return;
    }
    let actual = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        actual == expected,
        "{PATH} is stale: run `UPDATE_GENERATED=1 cargo test --lib generated_js` and commit the result"
    );
}
