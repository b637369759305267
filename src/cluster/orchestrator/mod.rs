//! An orchestrator shared by replicas, over Redis: every `Orchestrator` with
//! the same Redis and `name` is one. Pure Rust, free of napi; the binding
//! wires it to the machine and to JavaScript.
//!
//! # How it holds
//! - **One leader.** Every replica beats (`heartbeat.lua`) every heartbeat;
//!   one with no leader takes the lease (a key with a TTL of three
//!   heartbeats) and a new epoch. Only the leader runs the machine
//!   (`crate::orchestrator::machine`), on Redis's clock (the offset each
//!   heartbeat measures), so no two machines ever decide ticks.
//! - **Fencing.** The leader stores each step of the machine (`commit.lua`:
//!   the records of the jobs it changed, the counters, dead letters, the
//!   runs it starts and ends, the replies) before acting on it, and the
//!   script stores it only if this replica still leads in its epoch. A
//!   leader paused past its lease, or whose lease another took, changes
//!   nothing and starts nothing: its commit is fenced and it stands down.
//! - **Ticks once.** A tick is served (its run started, or skipped) in the
//!   same commit that stores the job's `ticksDone`; a new leader (`load.lua`)
//!   resumes every job after its `ticksDone`, so no tick runs twice, and
//!   ticks missed while replicas were alive are each served. Runs that were
//!   out with the old leader fail as `replicaLost` and are retried under
//!   their job's `retries`: runs are at least once, ticks exactly once.
//! - **Commands.** `trigger`, `enable`, ... from any replica are kept in a
//!   hash until a leader's commit applies them (`send.lua`), so one taken by
//!   a leader that died is applied by the next; replies go to the asking
//!   replica's list, which it blocks on.
//!
//! # Keys (`keys`) and scripts (`scripts/*.lua`, each with `prelude.lua`)
//! See `prelude.lua` for the key layout and `records` for the records.

mod keys;
pub mod link;
mod records;
mod scripts;

pub use link::{Done, ReplicaEvent, ReplicaHost, ReplicaLink, ReplicaOptions};
