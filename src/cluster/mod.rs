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
//! node ids), `:aborted` (set of entry ids whose submitter aborted),
//! `:unstarted` (set of pending entries their holder has not started).
//!
//! # Scripts (`scripts/*.lua`, each with `prelude.lua`)
//! - `submit`: `XADD` each task to its lane and `HSET` its owner, for a whole
//!   chunk, in one step; no `MAXLEN`, ever. Chunks go out pipelined.
//! - `read`: `XREADGROUP` of the lanes, highest first, without blocking; the
//!   first entries (as many as the node has free workers) start at once, the
//!   rest (the read-ahead) are marked unstarted. A node with a free worker
//!   and nothing to read then blocks on every lane (outside scripts) for an
//!   entry it starts at once.
//! - `settle`: acknowledgements and start records, in one call (a worker
//!   that ends a task and starts the next costs one round trip). An
//!   acknowledgement publishes the outcome to the submitter's result stream
//!   and forgets the entry (`XACK`, `XDEL`, `HDEL` owner) only if `XPENDING`
//!   shows this node as its consumer at the delivery count it started with;
//!   else `stale`. A start record, fenced the same way, clears the unstarted
//!   mark of an entry the node is about to start; the node starts it only
//!   once it has the reply.
//! - `claim`: `XPENDING … IDLE` finds entries idle past the visibility
//!   timeout, and each is taken under the rules of the prelude's `take`: its
//!   holder is charged a delivery only if it had started it (no unstarted
//!   mark); charged past `maxDeliveries` it goes to the dead letters and its
//!   submitter gets a `limit` result; one `XCLAIM` finds deleted is `lost`;
//!   a suspect (charged before) is taken only if the node may take one now.
//!   What is taken is marked unstarted: the node records its start later.
//! - `takeback`: for each node (or consumer) without a heartbeat, `XPENDING`
//!   its entries and take them the same way at min-idle 0, and `XGROUP
//!   DELCONSUMER` it only once it holds nothing.
//! - `renew`: `XCLAIM … JUSTID` to this node for entries it still holds,
//!   started or not (resets the idle time without counting a delivery);
//!   never steals back.
//! - `release`, `leave`: hand entries back at once (idle set to the
//!   visibility timeout), keeping their count; uncharged ones are marked
//!   unstarted so that the claim that takes them counts nothing either.
//! - `reject`: dead-letters an invalid entry this node holds, with a reason.
//! - `heartbeat`, `abort`, `stats`.
//!
//! # Why the guarantees hold
//! - No pending work is trimmed: nothing trims the task stream by length; an
//!   entry is deleted only by the script that acknowledges or dead-letters it.
//! - Fencing: the ownership check and the publication are one script, so a
//!   node that lost an entry (paused past the visibility timeout, declared
//!   dead) cannot report it, and a retried ack cannot publish twice. Renewals
//!   do not move the delivery count, charged claims do: the fence is
//!   (consumer, count) (see below for uncharged ones).
//! - Deleted while pending: the owner record is written with the entry and
//!   outlives it, so when `XCLAIM` shows an entry gone (in a claim, a
//!   take-back, a renewal or a hand-back, it drops such an entry from the
//!   group and returns nothing), its submitter is told `lost`.
//! - Dead letters in the claim itself: the delivery limit is checked in the
//!   same script that claims, so no node ever receives a delivery past it.
//! - A node's death charges only what it had started: an entry is marked
//!   unstarted in the script that hands it to a node without its starting it
//!   (a read's read-ahead, a claim, a take-back, a hand-back), and the mark
//!   is cleared by the fenced start record (`settle`), whose reply the node waits for
//!   before it starts the task. So a task that kills its node the moment it
//!   starts was already unmarked: its take-back charges it a delivery, and
//!   `maxDeliveries` bounds how many nodes it can kill. An entry still
//!   marked was never started there: its take-back counts nothing. Every
//!   change of holder goes through a script that sets or clears the mark
//!   (`forget` and `lost` drop it), so a mark always speaks of the current
//!   holder. A crash between any two steps leaves the entry pending in the
//!   group, for a take-back; nothing is lost, and the acknowledgement stays
//!   fenced, so nothing settles twice.
//! - Fencing with counts that do not move: an uncharged take-back keeps the
//!   entry's count, so two holders may have had the same count; they never
//!   share a consumer name, and the fence is (consumer, count). A node that
//!   gets back, unstarted, an entry it still holds unstarted keeps one copy
//!   (`node::holding`); it cannot get back at the same count one it started
//!   (a started entry's take-back is charged).
//! - Suspects run alone: an entry charged before (count above 1) may be what
//!   killed a node. A node takes one at a time, starts it once nothing else
//!   runs or waits, starts nothing beside it, and reads and claims nothing
//!   meanwhile. So the death of a node running a suspect charges the suspect
//!   alone, and a task charged for a death it merely shared is never charged
//!   for another task again: with `maxDeliveries` of 2 or more, no task is
//!   dead-lettered for what another did. (With 1, a death dead-letters every
//!   task its node had started: there is no second delivery to tell them
//!   apart.)
//! - A node never ends its process on its own (a lost lease or epoch, an
//!   outage: none of them exits). A panic fails the node it concerns
//!   (`node::failure`): it says why on stderr and deletes its heartbeat
//!   before anything else, so that the others take back at once what it
//!   holds, under the rules of a death.
//! - Garbage never crashes: entries are parsed in Rust; one that is not a
//!   task is dead-lettered (fenced) with the parse error as its reason.
//! - Blocking reads own their connections, with no response timeout
//!   (`connection`): a client-side timeout would strand the entries the server
//!   hands out meanwhile.
//! - `rediss://` is made here, not by the redis crate (`tls`): its TLS
//!   features read the system's store, which links Apple's frameworks on
//!   macOS. The command connection of a TLS URL reconnects under the
//!   connection manager's rules (`connection::Reconnecting`).
//!
//! # The node (`node/`)
//! A pool with the `cluster` option runs a `ClusterNode` on a `ClusterRuntime`:
//! it submits in batches and reads its result stream (deduplicated by task
//! id), reads tasks for its free worker slots plus a short read-ahead, hands
//! them to the pool as ordinary tasks (the read-ahead once its start is
//! recorded), acknowledges their outcomes in batches, and every heartbeat
//! takes back the work of dead nodes, claims idle entries and renews what it
//! holds. `dispose()` stops it and hands back what it held, uncharged, so
//! that the other nodes take it at once.

pub mod connection;
pub mod error;
pub mod keys;
pub mod node;
pub mod options;
pub mod orchestrator;
pub mod queue;
pub mod recovery;
pub mod results;
pub mod runtime;
mod scripts;
pub mod stats;
pub mod task;
pub mod tls;
mod value;

#[cfg(test)]
mod tests;
