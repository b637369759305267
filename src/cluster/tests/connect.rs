use std::time::{Duration, Instant};

use super::*;
use crate::cluster::error::ClusterError;

fn fails_fast(url: &str) -> String {
    let runtime = ClusterRuntime::new().unwrap();
    let options = ClusterOptions { connect_timeout: Duration::from_millis(1000), ..quick() };
    let started = Instant::now();
    let result = runtime.block_on(Queue::connect(url, "nowhere", "node", options));
    let elapsed = started.elapsed();
    assert!(elapsed < Duration::from_millis(1500), "{elapsed:?}");
    match result {
        Err(ClusterError::Unavailable(why)) => why,
        Err(other) => panic!("not Unavailable: {other}"),
        Ok(_) => panic!("connected to {url}"),
    }
}

#[test]
fn a_wrong_url_fails_fast_with_a_clear_error() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let why = fails_fast(&format!("redis://127.0.0.1:{closed}"));
    assert!(why.contains(&format!("127.0.0.1:{closed}")), "{why}");
    // An address that never answers: the connect timeout bounds the wait.
    let why = fails_fast("redis://10.255.255.1:6379");
    assert!(why.contains("10.255.255.1"), "{why}");
    let why = fails_fast("http://127.0.0.1:6379");
    assert!(why.contains("invalid Redis URL"), "{why}");
}

#[test]
fn a_wrong_password_fails_fast_and_is_not_shown() {
    let redis = redis_server::RedisServer::start();
    let why = fails_fast(&redis.url_with_wrong_password());
    assert!(!why.contains("not-the-password"), "{why}");
    assert!(why.contains("***"), "{why}");
}
