//! The connections of one node: a reconnecting one for commands and scripts,
//! and dedicated ones for blocking reads.
//!
//! `redis://` and `redis+unix://` connections are the redis crate's, and the
//! command connection its connection manager. `rediss://` connections are
//! made here: a tokio socket, the TLS handshake of tokio-rustls with the
//! roots of `tls`, and the redis crate's multiplexed connection through it;
//! the command connection is then `Reconnecting`, which keeps the manager's
//! rules (the manager itself only connects through the crate's transports).
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

use std::io;
use std::sync::Arc;
use std::time::Duration;

use redis::aio::{ConnectionLike, ConnectionManager, ConnectionManagerConfig, MultiplexedConnection};
use redis::{
    AsyncConnectionConfig, Client, Cmd, ConnectionAddr, Pipeline, RedisConnectionInfo, RedisError, RedisFuture,
    RedisResult, Value,
};
use rustls::pki_types::ServerName;
use tokio_rustls::TlsConnector;

use super::error::ClusterError;
use super::options::ClusterOptions;
use super::tls;

/// Opens the command connection, failing with `Unavailable` within
/// `connect_timeout` when Redis is unreachable, refuses the credentials or
/// (`rediss://`) shows a certificate that is not trusted. Returns what opens
/// further connections too.
pub async fn connect_commands(url: &str, options: &ClusterOptions) -> Result<(Connector, Commands), ClusterError> {
    let shown = redacted(url);
    let connect_timeout = options.connect_timeout;
    let connector = Connector::new(url, options)?;
    let no_answer = |_| ClusterError::Unavailable(format!("no answer from {shown} within {connect_timeout:?}"));
    let cannot_connect = |error: RedisError| ClusterError::Unavailable(format!("cannot connect to {shown}: {error}"));
    let commands = match &connector {
        Connector::Plain(client) => {
            // Commands are short: the connect timeout bounds each of them
            // too, so a call never hangs on a Redis that went away. The
            // manager reconnects in the background; a failed command is not
            // retried (acks are fenced and idempotent, so the caller may
            // retry).
            let config = ConnectionManagerConfig::new()
                .set_connection_timeout(Some(connect_timeout))
                .set_response_timeout(Some(connect_timeout))
                .set_number_of_retries(1)
                .set_max_delay(connect_timeout);
            let manager = tokio::time::timeout(connect_timeout, client.get_connection_manager_with_config(config))
                .await
                .map_err(no_answer)?
                .map_err(cannot_connect)?;
            Commands::Managed(manager)
        }
        Connector::Tls(target) => {
            // The connection manager only connects through the redis
            // crate's own transports: the same rules, kept here.
            let config = AsyncConnectionConfig::new()
                .set_connection_timeout(Some(connect_timeout))
                .set_response_timeout(Some(connect_timeout));
            let commands = Arc::new(Reconnecting::new(connector.clone(), config, target.redis.db()));
            tokio::time::timeout(connect_timeout, commands.connection())
                .await
                .map_err(no_answer)?
                .map_err(cannot_connect)?;
            Commands::Reconnecting(commands)
        }
    };
    Ok((connector, commands))
}

/// Opens the connections of a node to its Redis.
#[derive(Clone)]
pub enum Connector {
    /// `redis://`, `redis+unix://`: the redis crate connects.
    Plain(Client),
    /// `rediss://`: the socket and the TLS handshake are made here, and the
    /// redis crate's connection talks through them.
    Tls(Arc<TlsTarget>),
}

/// Where a `rediss://` URL leads, and what its connections trust.
pub struct TlsTarget {
    host: String,
    port: u16,
    /// The name the server's certificate must show: the URL's host.
    name: ServerName<'static>,
    /// The URL's user, password and database.
    redis: RedisConnectionInfo,
    tls: TlsConnector,
    connect_timeout: Duration,
}

impl Connector {
    /// Parses the URL and, for `rediss://`, builds the roots its connections
    /// trust (see `tls`); fails with `Unavailable` naming what is wrong.
    pub fn new(url: &str, options: &ClusterOptions) -> Result<Connector, ClusterError> {
        let shown = redacted(url);
        let invalid = |error: RedisError| ClusterError::Unavailable(format!("invalid Redis URL {shown}: {error}"));
        const TLS_SCHEME: &str = "rediss://";
        let tls_scheme = url.get(..TLS_SCHEME.len()).is_some_and(|scheme| scheme.eq_ignore_ascii_case(TLS_SCHEME));
        if !tls_scheme {
            return Client::open(url).map(Connector::Plain).map_err(invalid);
        }
        if url.contains('#') {
            return Err(ClusterError::Unavailable(format!(
                "invalid Redis URL {shown}: a rediss:// URL takes no fragment (certificates are always verified)"
            )));
        }
        // The URL's user, password, database and address, read as the
        // redis crate reads them; the connection is made here.
        let info = Client::open(format!("redis://{}", &url[TLS_SCHEME.len()..]))
            .map_err(invalid)?
            .get_connection_info()
            .clone();
        let ConnectionAddr::Tcp(host, port) = info.addr().clone() else {
            return Err(ClusterError::Unavailable(format!("invalid Redis URL {shown}: no host")));
        };
        let name = ServerName::try_from(host.clone())
            .map_err(|error| ClusterError::Unavailable(format!("invalid Redis URL {shown}: host {host}: {error}")))?;
        let config = tls::client_config(&options.trust)
            .map_err(|why| ClusterError::Unavailable(format!("cannot set up TLS for {shown}: {why}")))?;
        Ok(Connector::Tls(Arc::new(TlsTarget {
            host,
            port,
            name,
            redis: info.redis_settings().clone(),
            tls: TlsConnector::from(config),
            connect_timeout: options.connect_timeout,
        })))
    }

    /// Opens a connection within the connect timeout (the redis crate applies
    /// `config`'s to its own).
    pub async fn connect(&self, config: &AsyncConnectionConfig) -> RedisResult<Connection> {
        let target = match self {
            Connector::Plain(client) => {
                let inner = client.get_multiplexed_async_connection_with_config(config).await?;
                return Ok(Connection { inner, _driver: None });
            }
            Connector::Tls(target) => target,
        };
        let connecting = async {
            let socket = tokio::net::TcpStream::connect((target.host.as_str(), target.port)).await?;
            let stream = target.tls.connect(target.name.clone(), socket).await?;
            MultiplexedConnection::new_with_config(&target.redis, stream, config.clone()).await
        };
        let (inner, driver) = tokio::time::timeout(target.connect_timeout, connecting).await.map_err(|_| {
            RedisError::from(io::Error::new(
                io::ErrorKind::TimedOut,
                format!("no TLS connection within {:?}", target.connect_timeout),
            ))
        })??;
        let driver = tokio::spawn(driver);
        Ok(Connection { inner, _driver: Some(Arc::new(Driver(driver.abort_handle()))) })
    }
}

/// One multiplexed connection (clones share it); it closes when the last
/// clone is dropped.
#[derive(Clone)]
pub struct Connection {
    inner: MultiplexedConnection,
    /// A TLS connection's task, which owns its socket.
    _driver: Option<Arc<Driver>>,
}

struct Driver(tokio::task::AbortHandle);

impl Drop for Driver {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl ConnectionLike for Connection {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        self.inner.req_packed_command(cmd)
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        pipeline: &'a Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisFuture<'a, Vec<Value>> {
        self.inner.req_packed_commands(pipeline, offset, count)
    }

    fn get_db(&self) -> i64 {
        self.inner.get_db()
    }
}

/// The command connection: clones share it.
#[derive(Clone)]
pub enum Commands {
    /// `redis://`, `redis+unix://`: the redis crate's connection manager.
    Managed(ConnectionManager),
    /// `rediss://`: the same rules as the manager's, over `Connector`.
    Reconnecting(Arc<Reconnecting>),
}

impl ConnectionLike for Commands {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        match self {
            Commands::Managed(manager) => manager.req_packed_command(cmd),
            Commands::Reconnecting(commands) => Box::pin(async move {
                let (generation, mut connection) = commands.connection().await?;
                let result = connection.req_packed_command(cmd).await;
                commands.check(generation, &result);
                result
            }),
        }
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        pipeline: &'a Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisFuture<'a, Vec<Value>> {
        match self {
            Commands::Managed(manager) => manager.req_packed_commands(pipeline, offset, count),
            Commands::Reconnecting(commands) => Box::pin(async move {
                let (generation, mut connection) = commands.connection().await?;
                let result = connection.req_packed_commands(pipeline, offset, count).await;
                commands.check(generation, &result);
                result
            }),
        }
    }

    fn get_db(&self) -> i64 {
        match self {
            Commands::Managed(manager) => manager.get_db(),
            Commands::Reconnecting(commands) => commands.db,
        }
    }
}

/// A shared connection that is opened again, on the next command, once a
/// command found it broken (`is_unrecoverable_error`, the connection
/// manager's rule). Commands sent while it is being opened wait for that
/// attempt, and share its failure: they do not each try in turn.
pub struct Reconnecting {
    connector: Connector,
    config: AsyncConnectionConfig,
    db: i64,
    state: parking_lot::Mutex<State>,
    /// Held while connecting: one attempt at a time.
    connecting: tokio::sync::Mutex<()>,
}

#[derive(Default)]
struct State {
    /// The open connection and its generation.
    current: Option<(u64, Connection)>,
    generation: u64,
    /// Attempts to connect that have ended.
    attempts: u64,
    /// How the last attempt failed.
    failure: Option<RedisError>,
}

impl Reconnecting {
    fn new(connector: Connector, config: AsyncConnectionConfig, db: i64) -> Reconnecting {
        Reconnecting {
            connector,
            config,
            db,
            state: parking_lot::Mutex::new(State::default()),
            connecting: tokio::sync::Mutex::new(()),
        }
    }

    /// The open connection, opened now if there is none.
    async fn connection(&self) -> RedisResult<(u64, Connection)> {
        let seen = {
            let state = self.state.lock();
            if let Some(current) = &state.current {
                return Ok(current.clone());
            }
            state.attempts
        };
        let _connecting = self.connecting.lock().await;
        {
            let state = self.state.lock();
            if let Some(current) = &state.current {
                return Ok(current.clone());
            }
            // An attempt ended while this call waited: it failed, share it.
            if state.attempts != seen {
                if let Some(failure) = &state.failure {
                    return Err(failure.clone());
                }
            }
        }
        let result = self.connector.connect(&self.config).await;
        let mut state = self.state.lock();
        state.attempts += 1;
        match result {
            Ok(connection) => {
                state.generation += 1;
                state.failure = None;
                state.current = Some((state.generation, connection.clone()));
                Ok((state.generation, connection))
            }
            Err(error) => {
                state.failure = Some(error.clone());
                Err(error)
            }
        }
    }

    /// Forgets the connection of `generation` if `result` shows it broken.
    fn check<T>(&self, generation: u64, result: &RedisResult<T>) {
        if !matches!(result, Err(error) if error.is_unrecoverable_error()) {
            return;
        }
        let mut state = self.state.lock();
        if state.current.as_ref().is_some_and(|(current, _)| *current == generation) {
            state.current = None;
        }
    }
}

/// A connection of its own for blocking reads, opened on first use and again
/// after any failure.
pub struct BlockingConnection {
    connector: Connector,
    connect_timeout: Duration,
    connection: Option<Connection>,
}

impl BlockingConnection {
    pub fn new(connector: Connector, connect_timeout: Duration) -> BlockingConnection {
        BlockingConnection { connector, connect_timeout, connection: None }
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
                let connection = self.connector.connect(&config).await?;
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
