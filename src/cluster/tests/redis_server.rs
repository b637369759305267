//! A Redis for the tests: `REDIS_URL` when set; else a `redis-server` of our
//! own (a free port, no persistence, killed on drop) when the binary is on
//! the PATH; else the usual local one.

use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

pub struct RedisServer {
    pub url: String,
    child: Option<Child>,
}

impl RedisServer {
    pub fn start() -> RedisServer {
        if let Ok(url) = std::env::var("REDIS_URL") {
            return RedisServer { url, child: None };
        }
        match spawn() {
            Some((url, child)) => RedisServer { url, child: Some(child) },
            None => RedisServer { url: "redis://127.0.0.1:6379".into(), child: None },
        }
    }

    /// Whether this is a server of our own, gone with this value.
    pub fn is_own(&self) -> bool {
        self.child.is_some()
    }

    /// The address with a password Redis will refuse.
    pub fn url_with_wrong_password(&self) -> String {
        let rest = self.url.trim_start_matches("redis://");
        let rest = rest.rsplit_once('@').map_or(rest, |(_, host)| host);
        format!("redis://:not-the-password@{rest}")
    }
}

fn spawn() -> Option<(String, Child)> {
    let port = TcpListener::bind("127.0.0.1:0").ok()?.local_addr().ok()?.port();
    let child = Command::new("redis-server")
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let deadline = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "redis-server did not start on port {port}");
        sleep(Duration::from_millis(5));
    }
    Some((format!("redis://127.0.0.1:{port}"), child))
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        if let Some(child) = &mut self.child {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
