//! Cluster over Redis: the protocol that lets several pools share one queue.
//! Pure Rust, free of napi and of the core; the binding wires it next.
//!
//! # Key layout (`keys`)
//! Every key of a queue is under the hash tag `{pp:<queue>}` (one slot, so the
//! scripts also run on Redis Cluster): `:tasks` (stream of the tasks of
//! priority 0, consumer group `workers`), `:tasks:<p>` (the lane of priority
//! `p`), `:lanes` (sorted set of the priorities with a lane), `:owners` (hash
//! entry `<p>:<id>` -> `"<task id> <submitter>"`),
//! `:results:<node>` (each submitter's result stream, expiring `resultTtlMs`
//! after its last result), `:dead` (dead letters), `:node:<node>` (heartbeat,
//! TTL three heartbeats, value `"<workers> <server ms>"`), `:nodes` (set of
//! node ids), `:aborted` (set of entry ids whose submitter aborted).
//!
//! # Scripts (`scripts/*.lua`, each with `prelude.lua`)
//! - `submit`: `XADD` each task to its lane and `HSET` its owner, for a whole
//!   chunk, in one step; no `MAXLEN`, ever. Chunks go out pipelined.
//! - `read`: `XREADGROUP` of the lanes, highest first, without blocking; a
//!   node with nothing to read then blocks on every lane (outside scripts).
//! - `ack`: publishes the outcome to the submitter's result stream and forgets
//!   the entry (`XACK`, `XDEL`, `HDEL` owner) only if `XPENDING` shows this
//!   node as its consumer at the delivery count it started with; else `stale`.
//! - `claim`: `XAUTOCLAIM`s entries idle past the visibility timeout; entries
//!   then past `maxDeliveries` go to the dead letters and their submitter gets
//!   a `limit` result; ids `XAUTOCLAIM` reports deleted are `lost` results.
//! - `takeback`: for each node (or consumer) without a heartbeat, `XPENDING`
//!   its entries, `XCLAIM` them to this node at min-idle 0 with the same
//!   rules, and `XGROUP DELCONSUMER` it only once it holds nothing.
//! - `renew`: `XCLAIM … JUSTID` to this node for entries it still holds
//!   (resets the idle time without counting a delivery); never steals back.
//! - `reject`: dead-letters an invalid entry this node holds, with a reason.
//! - `heartbeat`, `abort`, `stats`.
//!
//! # Why the guarantees hold
//! - No pending work is trimmed: nothing trims the task stream by length; an
//!   entry is deleted only by the script that acknowledges or dead-letters it.
//! - Fencing: the ownership check and the publication are one script, so a
//!   node that lost an entry (paused past the visibility timeout, declared
//!   dead) cannot report it, and a retried ack cannot publish twice. Renewals
//!   do not move the delivery count, claims do: the fence is (consumer, count).
//! - Deleted while pending: the owner record is written with the entry and
//!   outlives it, so when `XAUTOCLAIM` (third element) or `XCLAIM` (missing
//!   from its reply) shows an entry gone, its submitter is told `lost`.
//! - Dead letters in the claim itself: the delivery limit is checked in the
//!   same script that claims, so no node ever receives a delivery past it.
//! - Garbage never crashes: entries are parsed in Rust; one that is not a
//!   task is dead-lettered (fenced) with the parse error as its reason.
//! - Blocking reads own their connections, with no response timeout
//!   (`connection`): a client-side timeout would strand the entries the server
//!   hands out meanwhile.
//!
//! # The node (`node/`)
//! A pool with the `cluster` option runs a `ClusterNode` on a `ClusterRuntime`:
//! it submits in batches and reads its result stream (deduplicated by task
//! id), reads tasks for its free worker slots plus a short read-ahead, hands
//! them to the pool as ordinary tasks, acknowledges their outcomes in
//! batches, and every heartbeat takes back the work of dead nodes, claims
//! idle entries and renews what it runs. `dispose()` stops it and deletes
//! its heartbeat, so that the other nodes take back what it held at once.

pub mod connection;
pub mod error;
pub mod keys;
pub mod node;
pub mod options;
pub mod queue;
pub mod recovery;
pub mod results;
pub mod runtime;
mod scripts;
pub mod stats;
pub mod task;
mod value;

#[cfg(test)]
mod tests;
