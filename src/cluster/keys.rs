//! Where one queue lives in Redis.
//!
//! Every key of a queue carries the same hash tag, `{pp:<queue>}`, so that
//! they all hash to one slot: the scripts below touch several of them at once,
//! which Redis Cluster allows only within a slot. Keys derived inside a
//! script (a submitter's result stream, a node's heartbeat) are built from the
//! prefixes here and so stay in that slot too.

/// The consumer group every node of a queue reads the task stream with.
pub const GROUP: &str = "workers";

/// The names of one queue's keys.
#[derive(Clone, Debug)]
pub struct Keys {
    /// Stream of the tasks of priority 0, read by the group `workers`; the
    /// tasks of priority `p` are in `<tasks>:<p>`, one stream per priority
    /// (a lane), read highest first. Never trimmed by length: an entry
    /// leaves its lane only once it is acknowledged or dead-lettered.
    pub tasks: String,
    /// Sorted set of the priorities that have a lane (score: the priority).
    /// A lane other than 0's goes once it has been empty for
    /// `ClusterOptions::lane_retention`, and comes back with its next task.
    pub lanes: String,
    /// The queue's epoch: set when the queue is made. A different one later
    /// means Redis lost the queue, whole (restarted without persistence,
    /// failed over, flushed) or in part (a lane, the lanes set, the owners
    /// hash: deleted or evicted): the tasks of the old epoch are gone.
    pub epoch: String,
    /// Hash: task entry id -> `"<task id> <submitter node>"`, written in the
    /// same script as the entry, so that an entry deleted while pending can
    /// still be reported to whoever waits for it; and the field `epoch`,
    /// the epoch again, so that losing the hash shows.
    pub owners: String,
    /// Stream of entries that will not run: past `maxDeliveries`, or invalid.
    pub dead: String,
    /// Set of task entry ids whose submitter gave up on them (abort signal).
    pub aborted: String,
    /// Set of node ids that have announced themselves (submitters included).
    pub nodes: String,
    /// Set of pending task entries whose holder has not started them (read
    /// ahead, taken from another node, handed back): a holder that dies or
    /// stalls is charged a delivery only for the entries it holds that are
    /// not here. Every change of holder sets or clears an entry's mark.
    pub unstarted: String,
    /// Prefix of each submitter's result stream: `<prefix><node id>`.
    pub results_prefix: String,
    /// Prefix of each node's heartbeat key: `<prefix><node id>`, with a TTL.
    pub heartbeat_prefix: String,
}

impl Keys {
    pub fn new(queue: &str) -> Keys {
        let tag = format!("{{pp:{queue}}}");
        Keys {
            tasks: format!("{tag}:tasks"),
            lanes: format!("{tag}:lanes"),
            epoch: format!("{tag}:epoch"),
            owners: format!("{tag}:owners"),
            dead: format!("{tag}:dead"),
            aborted: format!("{tag}:aborted"),
            nodes: format!("{tag}:nodes"),
            unstarted: format!("{tag}:unstarted"),
            results_prefix: format!("{tag}:results:"),
            heartbeat_prefix: format!("{tag}:node:"),
        }
    }

    /// The result stream of the node `node`.
    pub fn results(&self, node: &str) -> String {
        format!("{}{node}", self.results_prefix)
    }

    /// The heartbeat key of the node `node`.
    pub fn heartbeat(&self, node: &str) -> String {
        format!("{}{node}", self.heartbeat_prefix)
    }

    /// Every key a script may touch that is known before it runs, in the
    /// order every script expects them as `KEYS`.
    pub fn script_keys(&self) -> [&str; 8] {
        [&self.tasks, &self.owners, &self.dead, &self.aborted, &self.nodes, &self.lanes, &self.epoch, &self.unstarted]
    }

    /// The priority of a lane, from its key.
    pub fn priority_of(&self, lane: &str) -> Option<i64> {
        if lane == self.tasks {
            return Some(0);
        }
        lane.strip_prefix(&self.tasks)?.strip_prefix(':')?.parse().ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_shares_the_queue_hash_tag() {
        let keys = Keys::new("thumbs");
        let all = [keys.results("n1"), keys.heartbeat("n1")];
        for key in keys.script_keys().iter().copied().chain(all.iter().map(String::as_str)) {
            assert!(key.starts_with("{pp:thumbs}:"), "{key}");
        }
    }
}
