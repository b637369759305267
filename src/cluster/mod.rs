//! Cluster over Redis: the protocol that lets several pools share one queue.
//! Pure Rust, free of napi and of the core; the binding wires it next.
//!
//! # Key layout (`keys`)
//! Every key of a queue is under the hash tag `{pp:<queue>}` (one slot, so the
//! scripts also run on Redis Cluster): `:tasks` (stream, consumer group
//! `workers`), `:owners` (hash entry id -> `"<task id> <submitter>"`),
//! `:results:<node>` (each submitter's result stream, expiring `resultTtlMs`
//! after its last result), `:dead` (dead letters), `:node:<node>` (heartbeat,
//! TTL three heartbeats, value `"<workers> <server ms>"`), `:nodes` (set of
//! node ids), `:aborted` (set of entry ids whose submitter aborted).
//!
//! # Scripts (`scripts/*.lua`, each with `prelude.lua`)
//! - `submit`: `XADD` each task and `HSET` its owner, for a whole chunk, in one
//!   step; no `MAXLEN`, ever. Chunks go out pipelined.
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
//! # Next: wiring into the pool
//! - Run a `Queue` on a `ClusterRuntime`; a loop per node reads with `COUNT`
//!   equal to the free worker slots, takes back dead nodes and claims idle
//!   entries on each heartbeat, and renews what it runs (well within the
//!   visibility timeout).
//! - Feed each `Delivery` into the core as an ordinary task whose settlement
//!   calls `ack` (an aborted one is acked unrun); a `Stale` ack drops the
//!   outcome. `ctx.delivery` is `delivery_count`.
//! - The submitter keeps a map task id -> promise, settles it once on the
//!   first `ResultRecord` for that id (dedup), then `trim_results`.
//! - Batch per wake-up: one `submit_batch` for all `execute()` calls since the
//!   last, acks gathered likewise; `leave` on `dispose()`; map
//!   `ClusterError::Unavailable` to `ClusterUnavailableError`.
//! - Still to design: priorities across the cluster, `maxQueue`, handing
//!   held-but-not-started tasks back on `dispose()`, TLS (`rediss://`).

#![allow(dead_code)] // The binding wires this module next; tests use it now.

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
