//! The connections of one node: a reconnecting one for commands and scripts,
//! and dedicated ones for blocking reads.
//!
//! redis-rs 1.x gives async connections a 500 ms response timeout by default.
//! A blocking `XREADGROUP` that outlives it fails on the client while the
//! server still moves the entries it hands out into this consumer's pending
//! list: the node never sees them and they wait for the visibility timeout.
//! So blocking reads get their own connection with no response timeout
//! (`AsyncConnectionConfig::set_response_timeout(None)`); being alone on it,
//! they stall nothing else. A watchdog of the block time plus the connect
//! timeout still catches a connection that died silently: by then the server,
//! if alive, has long answered.

use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig, MultiplexedConnection};
use redis::{AsyncConnectionConfig, Client, Cmd, Value};

use super::error::ClusterError;

/// Opens the command connection, failing with `Unavailable` within
/// `connect_timeout` when Redis is unreachable or refuses the credentials.
pub async fn connect_commands(
    url: &str,
    connect_timeout: Duration,
) -> Result<(Client, ConnectionManager), ClusterError> {
    let shown = redacted(url);
    let client =
        Client::open(url).map_err(|error| ClusterError::Unavailable(format!("invalid Redis URL {shown}: {error}")))?;
    // Commands are short: the connect timeout bounds each of them too, so a
    // call never hangs on a Redis that went away. The manager reconnects in
    // the background; a failed command is not retried (acks are fenced and
    // idempotent, so the caller may retry).
    let config = ConnectionManagerConfig::new()
        .set_connection_timeout(Some(connect_timeout))
        .set_response_timeout(Some(connect_timeout))
        .set_number_of_retries(1)
        .set_max_delay(connect_timeout);
    let manager = tokio::time::timeout(connect_timeout, client.get_connection_manager_with_config(config))
        .await
        .map_err(|_| ClusterError::Unavailable(format!("no answer from {shown} within {connect_timeout:?}")))?
        .map_err(|error| ClusterError::Unavailable(format!("cannot connect to {shown}: {error}")))?;
    Ok((client, manager))
}

/// A connection of its own for blocking reads, opened on first use and again
/// after any failure.
pub struct BlockingConnection {
    client: Client,
    connect_timeout: Duration,
    connection: Option<MultiplexedConnection>,
}

impl BlockingConnection {
    pub fn new(client: Client, connect_timeout: Duration) -> BlockingConnection {
        BlockingConnection { client, connect_timeout, connection: None }
    }

    /// Drops the connection (a blocked command on it ends with it).
    pub fn close(&mut self) {
        self.connection = None;
    }

    /// Runs a command that blocks on the server for at most `block`.
    pub async fn query(&mut self, cmd: &Cmd, block: Duration) -> Result<Value, ClusterError> {
        let connection = match &mut self.connection {
            Some(connection) => connection,
            None => {
                let config = AsyncConnectionConfig::new()
                    .set_connection_timeout(Some(self.connect_timeout))
                    .set_response_timeout(None);
                let connection = self.client.get_multiplexed_async_connection_with_config(&config).await?;
                self.connection.insert(connection)
            }
        };
        let watchdog = block + self.connect_timeout;
        match tokio::time::timeout(watchdog, cmd.query_async::<Value>(connection)).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(error)) => {
                if error.is_unrecoverable_error() || error.is_io_error() || error.is_connection_dropped() {
                    self.connection = None;
                }
                Err(error.into())
            }
            Err(_) => {
                self.connection = None;
                Err(ClusterError::Unavailable(format!("no answer to a blocking read within {watchdog:?}")))
            }
        }
    }
}

/// The URL with its password hidden, for error messages.
pub fn redacted(url: &str) -> String {
    let Some(scheme_end) = url.find("://").map(|at| at + 3) else { return url.to_string() };
    let rest = &url[scheme_end..];
    let host_start = rest.find('/').unwrap_or(rest.len());
    match rest[..host_start].rfind('@') {
        Some(at) => {
            let user_info = &rest[..at];
            let user = user_info.split(':').next().unwrap_or("");
            let hidden = if user_info.contains(':') { format!("{user}:***") } else { user.to_string() };
            format!("{}{hidden}{}", &url[..scheme_end], &rest[at..])
        }
        None => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::redacted;

    #[test]
    fn passwords_never_reach_error_messages() {
        assert_eq!(redacted("redis://:secret@host:6379/0"), "redis://:***@host:6379/0");
        assert_eq!(redacted("redis://app:secret@host"), "redis://app:***@host");
        assert_eq!(redacted("redis://host:6379"), "redis://host:6379");
    }
}
