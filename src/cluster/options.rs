//! The settings of one node of a queue.

use std::time::Duration;

use super::tls::Trust;

/// How a node talks to its queue. Every field is given: the defaults users
/// get live in `lib/cluster/options.js`, which fills them in.
#[derive(Clone, Debug)]
pub struct ClusterOptions {
    /// Connecting (and any single command) fails after this long.
    pub connect_timeout: Duration,
    /// How often the node renews its heartbeat; it is dead after three missed.
    pub heartbeat: Duration,
    /// An entry idle this long (its holder stopped renewing it) is taken back.
    pub visibility_timeout: Duration,
    /// Deliveries after which an entry without an outcome is dead-lettered.
    pub max_deliveries: u32,
    /// How long a result stream outlives its last result.
    pub result_ttl: Duration,
    /// The worker count this node announces (0 for a node that only submits).
    pub workers: u32,
    /// Tasks beyond this many waiting in the queue are refused; `None`: no bound.
    pub max_queue: Option<u64>,
    /// The most dead letters the queue keeps, the oldest dropped first;
    /// `None`: all.
    pub dead_letter_limit: Option<u64>,
    /// What `rediss://` connections trust (unused by other URLs).
    pub trust: Trust,
}

impl ClusterOptions {
    /// `dead_letter_limit` as the scripts take it: -1 for no bound.
    pub fn dead_letter_limit_arg(&self) -> i64 {
        self.dead_letter_limit.map_or(-1, |limit| limit.min(i64::MAX as u64) as i64)
    }

    /// The TTL of the heartbeat key: three heartbeats.
    pub fn heartbeat_ttl(&self) -> Duration {
        self.heartbeat * 3
    }

    /// How long a lane (but priority 0's) stays once empty: sixty
    /// heartbeats, long enough that a priority in steady use keeps its lane.
    pub fn lane_retention(&self) -> Duration {
        self.heartbeat * 60
    }
}

/// Whole milliseconds, at least one (Redis reads 0 as "forever" in places).
pub(crate) fn millis(duration: Duration) -> u64 {
    (duration.as_millis() as u64).max(1)
}
