//! Tests against a real Redis (see `redis_server`). Each test has its own
//! queue; timeouts and heartbeats are in milliseconds to keep them quick.

mod charging;
mod connect;
mod failure;
mod fencing;
mod node;
mod recovery;
mod redis_server;
mod round_trip;
mod stats;

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use redis::aio::ConnectionManager;

use super::keys::Keys;
use super::options::ClusterOptions;
use super::queue::Queue;
use super::runtime::ClusterRuntime;
use super::task::NewClusterTask;
use redis_server::RedisServer;

/// A Redis, a runtime and a queue name of one's own.
pub struct Bench {
    pub redis: RedisServer,
    pub runtime: ClusterRuntime,
    pub queue: String,
}

impl Bench {
    pub fn new() -> Bench {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let nanos = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().subsec_nanos();
        let queue = format!("test-{}-{nanos}-{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed));
        Bench { redis: RedisServer::start(), runtime: ClusterRuntime::new().unwrap(), queue }
    }

    pub fn run<F: Future>(&self, future: F) -> F::Output {
        self.runtime.block_on(future)
    }

    pub async fn node(&self, id: &str, options: ClusterOptions) -> Queue {
        Queue::connect(&self.redis.url, &self.queue, id, options).await.unwrap()
    }

    /// A plain connection for poking at the keys by hand.
    pub async fn raw(&self) -> ConnectionManager {
        redis::Client::open(self.redis.url.as_str()).unwrap().get_connection_manager().await.unwrap()
    }
}

impl Drop for Bench {
    /// On a Redis of our own, dropping it is enough; on a shared one, the
    /// queue's keys go.
    fn drop(&mut self) {
        if self.redis.is_own() {
            return;
        }
        let pattern = format!("{{pp:{}}}*", self.queue);
        let _ = self.runtime.block_on(async {
            let mut raw = self.raw().await;
            let keys: Vec<String> = redis::cmd("KEYS").arg(&pattern).query_async(&mut raw).await?;
            if !keys.is_empty() {
                redis::cmd("DEL").arg(keys).query_async::<()>(&mut raw).await?;
            }
            Ok::<(), redis::RedisError>(())
        });
    }
}

pub fn quick() -> ClusterOptions {
    ClusterOptions {
        connect_timeout: Duration::from_millis(2000),
        heartbeat: Duration::from_millis(20),
        visibility_timeout: Duration::from_millis(100),
        max_deliveries: 3,
        result_ttl: Duration::from_secs(60),
        workers: 2,
        max_queue: None,
        dead_letter_limit: None,
        trust: Default::default(),
    }
}

pub fn task(task_id: u64) -> NewClusterTask {
    NewClusterTask {
        task_id,
        handler: "work".into(),
        payload: vec![0xff, 0x0d, task_id as u8, 0],
        timeout_ms: Some(1000),
        retries: 0,
        priority: 0,
    }
}

pub const BLOCK: Duration = Duration::from_millis(200);

/// Waits a little past `duration`.
pub async fn pause(duration: Duration) {
    tokio::time::sleep(duration + Duration::from_millis(20)).await;
}

/// How many entries the owners hash records (besides its epoch field).
pub async fn owned(raw: &mut ConnectionManager, keys: &Keys) -> usize {
    let fields: Vec<String> = redis::cmd("HKEYS").arg(&keys.owners).query_async(raw).await.unwrap();
    fields.iter().filter(|field| field.contains(':')).count()
}

/// Submits and returns the entry ids (no task is refused without `max_queue`).
pub async fn submit(node: &Queue, tasks: &[NewClusterTask]) -> Vec<super::task::EntryId> {
    node.submit_batch(tasks).await.unwrap().into_iter().map(|id| id.expect("submitted").entry).collect()
}
