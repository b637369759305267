//! What a node holds, and which of it may start now.
//!
//! A node holds tasks it has started (handed to its pool: its death charges
//! them a delivery) and tasks it holds unstarted (read ahead, or taken from
//! another node: marked so in Redis until `Queue::start_batch` records
//! their start, so that its death does not charge them).
//!
//! A suspect (a task charged a delivery before: it may be what killed a
//! node) runs alone: it starts once nothing else runs or waits, nothing
//! starts while it runs, and meanwhile the node reads and claims nothing.
//! So the death of a node running a suspect is charged to the suspect
//! alone, and a task charged for a death it only shared is charged for no
//! other: with `maxDeliveries` of 2 or more, it is never dead-lettered for
//! what another task did.

use std::collections::HashMap;

use super::Held;
use crate::cluster::task::{Delivery, EntryId};

/// A suspect: charged a delivery before this one.
pub(super) fn is_suspect(delivery_count: u64) -> bool {
    delivery_count > 1
}

pub(super) struct Holding {
    /// Tasks this node can run at once: workers x tasks per worker.
    capacity: usize,
    /// Started, by the pool's local id.
    running: HashMap<u64, Held>,
    /// Held unstarted: highest priority first, in arrival order within one.
    waiting: Vec<Delivery>,
    /// Taken out of `waiting` by `next_to_start`, their start being
    /// recorded: they hold worker slots, and a suspect waits for them.
    starting: usize,
}

impl Holding {
    pub fn new(capacity: usize) -> Holding {
        Holding { capacity, running: HashMap::new(), waiting: Vec::new(), starting: 0 }
    }

    /// Everything held, started or not.
    pub fn held(&self) -> usize {
        self.running.len() + self.waiting.len()
    }

    /// Everything held or about to run: what a read is measured against.
    pub fn len(&self) -> usize {
        self.held() + self.starting
    }

    /// How many wait unstarted.
    pub fn waiting(&self) -> usize {
        self.waiting.len()
    }

    /// A suspect waits or runs: the node reads and claims nothing meanwhile.
    pub fn isolating(&self) -> bool {
        self.running.values().any(|held| held.suspect)
            || self.waiting.iter().any(|delivery| is_suspect(delivery.delivery_count))
    }

    /// Worker slots for tasks read now, once the waiting ones have theirs.
    pub fn free_workers(&self) -> usize {
        if self.isolating() {
            return 0;
        }
        self.capacity.saturating_sub(self.len())
    }

    /// Starts taken by `next_to_start` are recorded (their tasks `run`) or
    /// failed (their deliveries `wait` again).
    pub fn started(&mut self, count: usize) {
        self.starting = self.starting.saturating_sub(count);
    }

    pub fn run(&mut self, local: u64, held: Held) {
        self.running.insert(local, held);
    }

    /// A started task has ended.
    pub fn ended(&mut self, local: u64) -> Option<Held> {
        self.running.remove(&local)
    }

    /// Holds deliveries unstarted, in priority order. A delivery of an entry
    /// already waiting replaces it only if it is a later one, and one this
    /// node runs at that very count is dropped: a node that took back an
    /// entry it still held gets it twice (an uncharged take-back keeps the
    /// count).
    pub fn wait(&mut self, deliveries: Vec<Delivery>) {
        for delivery in deliveries {
            let same = |held: &Held| held.entry == delivery.entry_id && held.delivery_count == delivery.delivery_count;
            if self.running.values().any(same) {
                continue;
            }
            if let Some(at) = self.waiting.iter().position(|waiting| waiting.entry_id == delivery.entry_id) {
                if self.waiting[at].delivery_count >= delivery.delivery_count {
                    continue;
                }
                self.waiting.remove(at);
            }
            let priority = delivery.task.task.priority;
            let at = self.waiting.partition_point(|waiting| waiting.task.task.priority >= priority);
            self.waiting.insert(at, delivery);
        }
    }

    /// The waiting deliveries that may start now, counted as `starting`
    /// until `started`. Fresh ones take the free worker slots; a suspect
    /// starts alone once nothing else runs, waits or is being started.
    pub fn next_to_start(&mut self) -> Vec<Delivery> {
        if self.running.values().any(|held| held.suspect) {
            return Vec::new();
        }
        let free = self.capacity.saturating_sub(self.running.len() + self.starting);
        let mut start = Vec::new();
        let mut at = 0;
        while at < self.waiting.len() && start.len() < free {
            if is_suspect(self.waiting[at].delivery_count) {
                at += 1;
            } else {
                start.push(self.waiting.remove(at));
            }
        }
        // Free slots left every fresh one started: only suspects wait now.
        if free > 0 && start.is_empty() && self.running.is_empty() && self.starting == 0 {
            if let Some(at) = self.waiting.iter().position(|delivery| is_suspect(delivery.delivery_count)) {
                start.push(self.waiting.remove(at));
            }
        }
        self.starting += start.len();
        start
    }

    /// Every entry held, running or waiting (to renew).
    pub fn entries(&self) -> Vec<EntryId> {
        let running = self.running.values().map(|held| held.entry.clone());
        running.chain(self.waiting.iter().map(|delivery| delivery.entry_id.clone())).collect()
    }

    /// The local ids of the running tasks among `entries`.
    pub fn running_among(&self, entries: &[EntryId]) -> Vec<u64> {
        let among = |held: &Held| entries.contains(&held.entry);
        self.running.iter().filter(|(_, held)| among(held)).map(|(local, _)| *local).collect()
    }

    /// The local ids of every running task.
    pub fn running_locals(&self) -> Vec<u64> {
        self.running.keys().copied().collect()
    }

    /// Forgets waiting entries another node now has.
    pub fn forget_waiting(&mut self, entries: &[EntryId]) {
        self.waiting.retain(|delivery| !entries.contains(&delivery.entry_id));
    }

    /// Flags waiting entries whose submitter aborted them: they will not run.
    pub fn abort_waiting(&mut self, entries: &[EntryId]) {
        for delivery in self.waiting.iter_mut().filter(|delivery| entries.contains(&delivery.entry_id)) {
            delivery.aborted = true;
        }
    }

    /// Everything waiting, to hand back (the node stopped reading).
    pub fn take_waiting(&mut self) -> Vec<Delivery> {
        std::mem::take(&mut self.waiting)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::task::{ClusterTask, NewClusterTask};

    fn delivery(entry: &str, delivery_count: u64, priority: i32) -> Delivery {
        let task = NewClusterTask {
            task_id: 1,
            handler: String::new(),
            payload: Vec::new(),
            timeout_ms: None,
            retries: 0,
            priority,
        };
        Delivery {
            entry_id: EntryId(entry.into()),
            delivery_count,
            task: ClusterTask { submitter: "s".into(), task },
            aborted: false,
        }
    }

    fn names(deliveries: &[Delivery]) -> Vec<&str> {
        deliveries.iter().map(|delivery| delivery.entry_id.0.as_str()).collect()
    }

    /// Starts what `next_to_start` gives, as the node does once recorded.
    fn start(holding: &mut Holding, next: &mut u64) -> Vec<String> {
        let started = holding.next_to_start();
        holding.started(started.len());
        for delivery in &started {
            *next += 1;
            let held = Held {
                entry: delivery.entry_id.clone(),
                delivery_count: delivery.delivery_count,
                suspect: is_suspect(delivery.delivery_count),
            };
            holding.run(*next, held);
        }
        started.iter().map(|delivery| delivery.entry_id.0.clone()).collect()
    }

    #[test]
    fn waiting_deliveries_start_by_priority_up_to_the_free_slots() {
        let mut holding = Holding::new(2);
        holding.wait(vec![delivery("a", 1, 0), delivery("b", 1, 5), delivery("c", 1, 0)]);
        assert_eq!(names(&holding.next_to_start()), ["b", "a"]);
        // Starts being recorded hold their slots: nothing more until they are done.
        assert!(holding.next_to_start().is_empty());
        holding.started(2);
        assert_eq!(names(&holding.next_to_start()), ["c"]);
    }

    #[test]
    fn a_suspect_starts_alone_once_everything_else_has_ended() {
        let mut holding = Holding::new(2);
        let mut next = 0;
        holding.run(100, Held { entry: EntryId("running".into()), delivery_count: 1, suspect: false });
        holding.wait(vec![delivery("fresh", 1, 0), delivery("suspect", 2, 9)]);
        assert!(holding.isolating());
        assert_eq!(holding.free_workers(), 0, "nothing is read while a suspect waits");
        // What was held before it still runs first: the suspect waits for it.
        assert_eq!(start(&mut holding, &mut next), ["fresh"]);
        assert!(start(&mut holding, &mut next).is_empty());
        holding.ended(100);
        assert!(start(&mut holding, &mut next).is_empty());
        holding.ended(1);
        assert_eq!(start(&mut holding, &mut next), ["suspect"]);
        // Running alone: nothing starts beside it.
        holding.wait(vec![delivery("later", 1, 0)]);
        assert!(start(&mut holding, &mut next).is_empty());
        holding.ended(2);
        assert!(!holding.isolating());
        assert_eq!(start(&mut holding, &mut next), ["later"]);
    }

    #[test]
    fn two_suspects_run_one_after_the_other() {
        let mut holding = Holding::new(4);
        let mut next = 0;
        holding.wait(vec![delivery("s1", 2, 0), delivery("s2", 3, 0)]);
        assert_eq!(start(&mut holding, &mut next), ["s1"]);
        assert!(start(&mut holding, &mut next).is_empty());
        holding.ended(1);
        assert_eq!(start(&mut holding, &mut next), ["s2"]);
    }

    #[test]
    fn a_delivery_held_already_is_held_once() {
        let mut holding = Holding::new(1);
        holding.wait(vec![delivery("e", 1, 0), delivery("e", 1, 0)]);
        assert_eq!(holding.len(), 1);
        holding.wait(vec![delivery("e", 2, 0)]);
        assert_eq!(holding.take_waiting().iter().map(|d| d.delivery_count).collect::<Vec<_>>(), [2]);
        holding.run(1, Held { entry: EntryId("r".into()), delivery_count: 1, suspect: false });
        holding.wait(vec![delivery("r", 1, 0)]);
        assert_eq!(holding.len(), 1);
    }
}
