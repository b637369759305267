//! Tasks as they travel through the task stream.
//!
//! An entry's fields: `node` (the submitter), `task` (its id at the
//! submitter), `handler` (the export to call, empty for the default one),
//! `payload` (opaque bytes, encoded by JavaScript), `timeout` (ms, empty for
//! none), `retries`, `priority` (optional, 0 when absent). Anything else on the stream is garbage to dead-letter, never a
//! reason to fail.

use std::fmt;

use super::value::{field, Fields};

/// A stream entry's id, `<ms>-<seq>`; for a task, prefixed by its lane,
/// `<priority>:<ms>-<seq>` (ids are per stream: two lanes may share one).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EntryId(pub String);

impl EntryId {
    /// The id within its stream (a task's, without its lane).
    #[cfg(test)]
    pub fn stream_id(&self) -> &str {
        self.0.split_once(':').map_or(&self.0, |(_, id)| id)
    }

    /// The smallest id after this one (for `XTRIM MINID`).
    pub fn successor(&self) -> Option<EntryId> {
        let (ms, seq) = self.0.split_once('-')?;
        let (ms, seq): (u64, u64) = (ms.parse().ok()?, seq.parse().ok()?);
        Some(match seq.checked_add(1) {
            Some(seq) => EntryId(format!("{ms}-{seq}")),
            None => EntryId(format!("{}-0", ms.checked_add(1)?)),
        })
    }
}

impl fmt::Display for EntryId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A task handed to the queue by its submitter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewClusterTask {
    /// The submitter's own id for the task: results come back under it.
    pub task_id: u64,
    /// The export to call; empty for the module's default export.
    pub handler: String,
    pub payload: Vec<u8>,
    pub timeout_ms: Option<u64>,
    pub retries: u32,
    /// Higher runs first on the node that holds it.
    pub priority: i32,
}

/// A task read back from the stream: what was submitted, and by whom.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClusterTask {
    pub submitter: String,
    pub task: NewClusterTask,
}

/// A task this node now holds. The pair (entry id, delivery count) is what
/// its acknowledgement is fenced on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Delivery {
    pub entry_id: EntryId,
    /// How many times the entry has been delivered, this one included.
    pub delivery_count: u64,
    pub task: ClusterTask,
    /// The submitter aborted the task before this delivery: do not run it.
    pub aborted: bool,
}

fn utf8(fields: &Fields, name: &str) -> Result<String, String> {
    let raw = field(fields, name).ok_or_else(|| format!("missing field `{name}`"))?;
    let text = std::str::from_utf8(raw).map_err(|_| format!("field `{name}` is not UTF-8"))?;
    if text.is_empty() {
        return Err(format!("field `{name}` is empty"));
    }
    Ok(text.to_string())
}

/// A field that must be present and UTF-8, and may be empty.
fn utf8_or_empty(fields: &Fields, name: &str) -> Result<String, String> {
    let raw = field(fields, name).ok_or_else(|| format!("missing field `{name}`"))?;
    String::from_utf8(raw.to_vec()).map_err(|_| format!("field `{name}` is not UTF-8"))
}

fn number<T: std::str::FromStr>(fields: &Fields, name: &str) -> Result<T, String> {
    utf8(fields, name)?.parse().map_err(|_| format!("field `{name}` is not a number"))
}

impl ClusterTask {
    /// Parses an entry's fields; the error is the reason it is dead-lettered.
    pub fn parse(fields: &Fields) -> Result<ClusterTask, String> {
        let timeout_ms = match field(fields, "timeout") {
            None => return Err("missing field `timeout`".into()),
            Some([]) => None,
            Some(_) => Some(number(fields, "timeout")?),
        };
        Ok(ClusterTask {
            submitter: utf8(fields, "node")?,
            task: NewClusterTask {
                task_id: number(fields, "task")?,
                handler: utf8_or_empty(fields, "handler")?,
                payload: field(fields, "payload").ok_or("missing field `payload`")?.to_vec(),
                timeout_ms,
                retries: number(fields, "retries")?,
                priority: match field(fields, "priority") {
                    None => 0,
                    Some(_) => number(fields, "priority")?,
                },
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(pairs: &[(&str, &str)]) -> Fields {
        pairs.iter().map(|(k, v)| (k.as_bytes().to_vec(), v.as_bytes().to_vec())).collect()
    }

    #[test]
    fn a_valid_entry_parses_and_garbage_says_why() {
        let good = fields(&[
            ("node", "n1"),
            ("task", "7"),
            ("handler", "resize"),
            ("payload", "\u{1}"),
            ("timeout", ""),
            ("retries", "2"),
        ]);
        let task = ClusterTask::parse(&good).unwrap();
        assert_eq!((task.task.task_id, task.task.timeout_ms, task.task.retries, task.task.priority), (7, None, 2, 0));
        assert_eq!(ClusterTask::parse(&fields(&[("hello", "world")])).unwrap_err(), "missing field `timeout`");
        let mut bad = good.clone();
        bad[1].1 = b"seven".to_vec();
        assert_eq!(ClusterTask::parse(&bad).unwrap_err(), "field `task` is not a number");
    }

    #[test]
    fn successor_ids_order_after_their_predecessor() {
        assert_eq!(EntryId("5-1".into()).successor(), Some(EntryId("5-2".into())));
        assert_eq!(EntryId(format!("5-{}", u64::MAX)).successor(), Some(EntryId("6-0".into())));
        assert_eq!(EntryId("x".into()).successor(), None);
    }
}
