//! What can go wrong talking to Redis, in the two kinds the pool cares about.

use std::fmt;

use redis::RedisError;

/// An error of the cluster protocol.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClusterError {
    /// Redis cannot be reached in time, or refused the connection (wrong URL,
    /// wrong password, down): the pool rejects with `ClusterUnavailableError`.
    Unavailable(String),
    /// Redis answered, but with an error or a reply the protocol did not expect.
    Protocol(String),
}

impl fmt::Display for ClusterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClusterError::Unavailable(why) => write!(f, "Redis is unavailable: {why}"),
            ClusterError::Protocol(why) => write!(f, "unexpected reply from Redis: {why}"),
        }
    }
}

impl std::error::Error for ClusterError {}

impl ClusterError {
    /// What went wrong, without the kind's preamble.
    pub fn reason(&self) -> String {
        match self {
            ClusterError::Unavailable(why) => why.clone(),
            ClusterError::Protocol(why) => format!("unexpected reply: {why}"),
        }
    }
}

impl From<RedisError> for ClusterError {
    fn from(error: RedisError) -> ClusterError {
        let unreachable = error.is_io_error()
            || error.is_timeout()
            || error.is_connection_dropped()
            || error.is_connection_refusal()
            || error.is_unrecoverable_error();
        if unreachable {
            ClusterError::Unavailable(error.to_string())
        } else {
            ClusterError::Protocol(error.to_string())
        }
    }
}

/// A reply that does not have the shape a command or script promises.
pub(crate) fn bad_reply(what: &str) -> ClusterError {
    ClusterError::Protocol(format!("malformed reply: {what}"))
}
