//! Getting work back from nodes that stopped: idle claims, take-back of dead
//! nodes, and the renewals that keep a live node's work its own.

use super::error::{bad_reply, ClusterError};
use super::options::millis;
use super::queue::Queue;
use super::scripts;
use super::task::{Delivery, EntryId};
use super::value::{self, RawEntry};

use redis::Value;

/// What a claim or a take-back did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Recovered {
    /// Entries now held by this node, unstarted: it records each start
    /// (`Queue::start_batch`) before it runs it. One charged a delivery
    /// before (`delivery_count` > 1) is a suspect, to run alone.
    pub deliveries: Vec<Delivery>,
    /// Entries past `maxDeliveries`, moved to the dead letters.
    pub dead_lettered: usize,
    /// Entries deleted while pending, reported lost to their submitters.
    pub lost: usize,
    /// Dead nodes forgotten once nothing was left pending for them.
    pub nodes_removed: usize,
}

/// `{{id, deliveries, fields}, ...}` as the claim scripts return it.
fn claimed(reply: &Value) -> Result<Vec<(RawEntry, u64)>, ClusterError> {
    let rows = value::items(reply).ok_or_else(|| bad_reply("claimed entries"))?;
    rows.iter()
        .map(|row| {
            let parts = value::items(row).ok_or_else(|| bad_reply("claimed entry"))?;
            let [id, deliveries, fields] = parts else { return Err(bad_reply("claimed entry")) };
            let id = value::text(id).ok_or_else(|| bad_reply("claimed id"))?;
            let deliveries = value::int(deliveries).ok_or_else(|| bad_reply("claimed count"))? as u64;
            let fields = value::fields(fields).ok_or_else(|| bad_reply("claimed fields"))?;
            Ok((RawEntry { id, fields }, deliveries))
        })
        .collect()
}

/// What a renewal found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Renewed {
    /// Entries this node no longer holds (another node took them: their
    /// outcome would be stale).
    pub gone: Vec<EntryId>,
    /// Entries still held whose submitter aborted them: stop them.
    pub aborted: Vec<EntryId>,
}

fn figure(reply: &[Value], at: usize) -> Result<usize, ClusterError> {
    reply.get(at).and_then(value::int).map(|n| n as usize).ok_or_else(|| bad_reply("claim counts"))
}

impl Queue {
    /// Claims entries idle past the visibility timeout, highest priority
    /// first: up to `count` fresh ones and up to `suspects` suspects (see
    /// `Recovered::deliveries`). Each lane's scan resumes where the previous
    /// call stopped, wrapping around.
    pub async fn claim_idle(&self, count: usize, suspects: usize) -> Result<Recovered, ClusterError> {
        let cursors = self.claim_cursors.lock().clone();
        let mut call = self.invocation(&scripts::CLAIM);
        call.arg(millis(self.options.visibility_timeout))
            .arg(count)
            .arg(self.options.max_deliveries)
            .arg(suspects)
            .arg(self.options.dead_letter_limit_arg());
        for (priority, cursor) in &cursors {
            call.arg(priority).arg(cursor);
        }
        let reply = self.run(&call).await?;
        let parts = value::items(&reply).ok_or_else(|| bad_reply("claim"))?;
        let next = parts.get(3).and_then(value::items).ok_or_else(|| bad_reply("claim cursors"))?;
        let next: Option<Vec<String>> = next.iter().map(value::text).collect();
        let next = next.ok_or_else(|| bad_reply("claim cursors"))?;
        *self.claim_cursors.lock() =
            next.chunks(2).filter_map(|pair| Some((pair.first()?.clone(), pair.get(1)?.clone()))).collect();
        let entries = claimed(parts.first().ok_or_else(|| bad_reply("claim"))?)?;
        let deliveries = self.accept(entries).await?;
        Ok(Recovered { deliveries, dead_lettered: figure(parts, 1)?, lost: figure(parts, 2)?, nodes_removed: 0 })
    }

    /// Takes over at once what nodes whose heartbeat expired still hold: up
    /// to `budget` fresh entries and up to `suspects` suspects; removes those
    /// nodes once they hold nothing.
    pub async fn take_back_dead_nodes(&self, budget: usize, suspects: usize) -> Result<Recovered, ClusterError> {
        let mut call = self.invocation(&scripts::TAKE_BACK);
        call.arg(budget).arg(self.options.max_deliveries).arg(suspects).arg(self.options.dead_letter_limit_arg());
        let reply = self.run(&call).await?;
        let parts = value::items(&reply).ok_or_else(|| bad_reply("take-back"))?;
        let entries = claimed(parts.first().ok_or_else(|| bad_reply("take-back"))?)?;
        let deliveries = self.accept(entries).await?;
        Ok(Recovered {
            deliveries,
            dead_lettered: figure(parts, 1)?,
            lost: figure(parts, 2)?,
            nodes_removed: figure(parts, 3)?,
        })
    }

    /// Resets the idle time of entries this node still holds (running or
    /// waiting to start), without counting a delivery.
    pub async fn renew(&self, entries: &[EntryId]) -> Result<Renewed, ClusterError> {
        if entries.is_empty() {
            return Ok(Renewed::default());
        }
        let mut call = self.invocation(&scripts::RENEW);
        for entry in entries {
            call.arg(&entry.0);
        }
        let reply = self.run(&call).await?;
        let parts = value::items(&reply).ok_or_else(|| bad_reply("renew"))?;
        let ids = |at: usize| value::entry_ids(parts.get(at).ok_or_else(|| bad_reply("renew"))?, "renew");
        Ok(Renewed { gone: ids(0)?, aborted: ids(1)? })
    }
}
