//! Pools by id. Module state is shared by every thread that loads the addon,
//! so a worker thread finds its pool here from the id it was started with.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, LazyLock};

use dashmap::DashMap;

use crate::core::Pool;

static POOLS: LazyLock<DashMap<u32, Arc<Pool>>> = LazyLock::new(DashMap::new);
static NEXT_ID: AtomicU32 = AtomicU32::new(1);

pub fn register(pool: Arc<Pool>) -> u32 {
    let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
    POOLS.insert(id, pool);
    id
}

pub fn find(id: u32) -> Option<Arc<Pool>> {
    POOLS.get(&id).map(|pool| pool.clone())
}

pub fn unregister(id: u32) {
    POOLS.remove(&id);
}
