//! The queue's figures for `stats().cluster`.

use super::error::{bad_reply, ClusterError};
use super::queue::Queue;
use super::scripts;
use super::value;

/// A live node, as its heartbeat shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeInfo {
    pub id: String,
    pub workers: u32,
    pub last_seen_ms: u64,
}

/// One priority lane of the queue.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LaneStats {
    pub priority: i64,
    pub queued: u64,
    pub pending: u64,
}

/// The queue at a glance.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClusterStats {
    /// Nodes whose heartbeat has not expired, sorted by id.
    pub nodes: Vec<NodeInfo>,
    /// Entries not yet delivered to any node: the group's lag.
    pub queued: u64,
    /// Entries delivered and not yet acknowledged.
    pub pending: u64,
    pub dead_letters: u64,
    /// Each lane, highest priority first.
    pub lanes: Vec<LaneStats>,
}

impl Queue {
    pub async fn stats(&self) -> Result<ClusterStats, ClusterError> {
        let reply = self.run(&self.invocation(&scripts::STATS)).await?;
        let parts = value::items(&reply).ok_or_else(|| bad_reply("stats"))?;
        let [nodes, lag, pending, length, dead, lanes] = parts else { return Err(bad_reply("stats")) };
        let number = |v| value::int(v).ok_or_else(|| bad_reply("stats figure"));
        let mut nodes = value::items(nodes)
            .ok_or_else(|| bad_reply("stats nodes"))?
            .iter()
            .map(|node| {
                let parts = value::items(node).ok_or_else(|| bad_reply("stats node"))?;
                let [id, workers, seen] = parts else { return Err(bad_reply("stats node")) };
                Ok(NodeInfo {
                    id: value::text(id).ok_or_else(|| bad_reply("stats node id"))?,
                    workers: number(workers)? as u32,
                    last_seen_ms: number(seen)? as u64,
                })
            })
            .collect::<Result<Vec<_>, ClusterError>>()?;
        nodes.sort_by(|a, b| a.id.cmp(&b.id));
        let (lag, pending, length) = (number(lag)?, number(pending)?.max(0) as u64, number(length)?.max(0) as u64);
        // Acknowledged entries are deleted, so the stream holds exactly the
        // undelivered and the pending ones: the fallback when Redis cannot
        // tell the lag (after deletions it may not).
        let queued = if lag >= 0 { lag as u64 } else { length.saturating_sub(pending) };
        let lanes = value::items(lanes)
            .ok_or_else(|| bad_reply("stats lanes"))?
            .iter()
            .map(|lane| {
                let parts = value::items(lane).ok_or_else(|| bad_reply("stats lane"))?;
                let [priority, queued, pending] = parts else { return Err(bad_reply("stats lane")) };
                let priority = value::text(priority)
                    .and_then(|p| p.parse().ok())
                    .ok_or_else(|| bad_reply("stats lane priority"))?;
                Ok(LaneStats {
                    priority,
                    queued: number(queued)?.max(0) as u64,
                    pending: number(pending)?.max(0) as u64,
                })
            })
            .collect::<Result<Vec<_>, ClusterError>>()?;
        Ok(ClusterStats { nodes, queued, pending, dead_letters: number(dead)?.max(0) as u64, lanes })
    }
}
