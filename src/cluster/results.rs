//! Outcomes as they come back on a submitter's result stream.
//!
//! Fields: `entry` (the task's entry id), `task` (the submitter's task id),
//! `kind`, `body`, `deliveries`, `by` (the node that published it). Kinds: `done` (body: the running node's
//! outcome, opaque), `limit` (past `maxDeliveries`: `DeliveryLimitError`),
//! `lost` (the entry was deleted while pending), `invalid` (body: why).

use super::task::EntryId;
use super::value::{field, RawEntry};

/// How a task ended, as its submitter learns it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TaskOutcome {
    /// A node ran it and reported this (opaque) outcome.
    Done { deliveries: u64, body: Vec<u8> },
    /// Delivered `deliveries` times without an outcome: dead-lettered.
    DeliveryLimit { deliveries: u64 },
    /// Its entry was deleted from the stream while a node held it.
    Lost,
    /// Its entry was not a valid task: dead-lettered with this reason.
    Invalid { reason: String },
}

/// One record of a result stream. The submitter deduplicates by `task_id`
/// (a task reported twice, e.g. lost and then done, settles once).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResultRecord {
    /// This record's id in the result stream (for trimming).
    pub id: EntryId,
    /// The task's entry id in the task stream.
    pub entry_id: EntryId,
    pub task_id: u64,
    pub outcome: TaskOutcome,
    /// The node that published it (ran the task, or claimed it past the limit).
    pub by: String,
}

impl ResultRecord {
    /// None for a record the protocol did not write (it cannot be attributed).
    pub fn parse(raw: &RawEntry) -> Option<ResultRecord> {
        let text = |name| std::str::from_utf8(field(&raw.fields, name)?).ok();
        let deliveries = || text("deliveries").and_then(|n| n.parse().ok()).unwrap_or(0);
        let body = field(&raw.fields, "body").unwrap_or_default();
        let outcome = match text("kind")? {
            "done" => TaskOutcome::Done { deliveries: deliveries(), body: body.to_vec() },
            "limit" => TaskOutcome::DeliveryLimit { deliveries: deliveries() },
            "lost" => TaskOutcome::Lost,
            "invalid" => TaskOutcome::Invalid { reason: String::from_utf8_lossy(body).into_owned() },
            _ => return None,
        };
        Some(ResultRecord {
            id: EntryId(raw.id.clone()),
            entry_id: EntryId(text("entry")?.to_string()),
            task_id: text("task")?.parse().ok()?,
            outcome,
            by: text("by").unwrap_or_default().to_string(),
        })
    }
}
