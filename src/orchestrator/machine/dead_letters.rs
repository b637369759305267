//! The bounded list of runs that failed for good, oldest first.

use std::collections::{BTreeSet, VecDeque};

use super::super::clock::Millis;
use super::outputs::{DeadLetter, DeadLetterId, Output, RunId};
use super::Machine;

pub(super) struct DeadLetters {
    /// Oldest first; ids only grow, so this is also id order.
    letters: VecDeque<DeadLetter>,
    limit: usize,
    next_id: DeadLetterId,
    /// Since the durable state was last taken: letters filed or updated,
    /// and letters removed.
    changed: BTreeSet<DeadLetterId>,
    removed: BTreeSet<DeadLetterId>,
}

impl DeadLetters {
    pub(super) fn new(limit: usize) -> DeadLetters {
        DeadLetters { letters: VecDeque::new(), limit, next_id: 1, changed: BTreeSet::new(), removed: BTreeSet::new() }
    }

    /// Files a letter; returns it and the ids of the letters evicted to keep
    /// within the limit (with a limit of 0, the new letter itself).
    pub(super) fn add(
        &mut self,
        job: &str,
        run: RunId,
        error: &str,
        attempts: u32,
        failed_at: Millis,
    ) -> (DeadLetter, Vec<DeadLetterId>) {
        let letter =
            DeadLetter { id: self.next_id, job: job.to_owned(), run, error: error.to_owned(), attempts, failed_at };
        self.next_id += 1;
        self.letters.push_back(letter.clone());
        self.changed.insert(letter.id);
        let excess = self.letters.len().saturating_sub(self.limit);
        let evicted: Vec<DeadLetterId> = self.letters.drain(..excess).map(|old| old.id).collect();
        for id in &evicted {
            self.mark_removed(*id);
        }
        (letter, evicted)
    }

    pub(super) fn get(&self, id: DeadLetterId) -> Option<&DeadLetter> {
        self.letters.iter().find(|letter| letter.id == id)
    }

    pub(super) fn get_mut(&mut self, id: DeadLetterId) -> Option<&mut DeadLetter> {
        let letter = self.letters.iter_mut().find(|letter| letter.id == id)?;
        self.changed.insert(id);
        Some(letter)
    }

    pub(super) fn remove(&mut self, id: DeadLetterId) -> bool {
        let before = self.letters.len();
        self.letters.retain(|letter| letter.id != id);
        let removed = self.letters.len() != before;
        if removed {
            self.mark_removed(id);
        }
        removed
    }

    /// Empties the list; returns the ids removed.
    pub(super) fn clear(&mut self) -> Vec<DeadLetterId> {
        let ids: Vec<DeadLetterId> = self.letters.drain(..).map(|letter| letter.id).collect();
        for id in &ids {
            self.mark_removed(*id);
        }
        ids
    }

    fn mark_removed(&mut self, id: DeadLetterId) {
        self.changed.remove(&id);
        self.removed.insert(id);
    }

    /// Letters filed or updated, and ids removed, since the last call.
    pub(super) fn take_changes(&mut self) -> (Vec<DeadLetter>, Vec<DeadLetterId>) {
        let changed = std::mem::take(&mut self.changed);
        let letters = self.letters.iter().filter(|letter| changed.contains(&letter.id)).cloned().collect();
        (letters, std::mem::take(&mut self.removed).into_iter().collect())
    }

    pub(super) fn next_id(&self) -> DeadLetterId {
        self.next_id
    }

    /// Replaces the list with letters kept elsewhere (oldest first); ids go
    /// on from `next_id` or past the newest letter, whichever is later.
    pub(super) fn restore(&mut self, letters: Vec<DeadLetter>, next_id: DeadLetterId) {
        let newest = letters.iter().map(|letter| letter.id + 1).max().unwrap_or(1);
        self.next_id = self.next_id.max(next_id).max(newest);
        self.letters = letters.into();
        self.changed.clear();
        self.removed.clear();
    }

    pub(super) fn len(&self) -> usize {
        self.letters.len()
    }

    pub(super) fn to_vec(&self) -> Vec<DeadLetter> {
        self.letters.iter().cloned().collect()
    }
}

impl Machine {
    /// Every dead letter, oldest first.
    pub fn dead_letters(&self) -> Vec<DeadLetter> {
        self.dead_letters.to_vec()
    }

    pub fn clear_dead_letters(&mut self) {
        for id in self.dead_letters.clear() {
            self.emit(Output::DeadLetterRemoved { id });
        }
    }
}
