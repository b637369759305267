//! The bounded list of runs that failed for good, oldest first.

use std::collections::VecDeque;

use super::super::clock::Millis;
use super::outputs::{DeadLetter, DeadLetterId, Output, RunId};
use super::Machine;

pub(super) struct DeadLetters {
    /// Oldest first; ids only grow, so this is also id order.
    letters: VecDeque<DeadLetter>,
    limit: usize,
    next_id: DeadLetterId,
}

impl DeadLetters {
    pub(super) fn new(limit: usize) -> DeadLetters {
        DeadLetters { letters: VecDeque::new(), limit, next_id: 1 }
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
        let excess = self.letters.len().saturating_sub(self.limit);
        let evicted = self.letters.drain(..excess).map(|old| old.id).collect();
        (letter, evicted)
    }

    pub(super) fn get(&self, id: DeadLetterId) -> Option<&DeadLetter> {
        self.letters.iter().find(|letter| letter.id == id)
    }

    pub(super) fn get_mut(&mut self, id: DeadLetterId) -> Option<&mut DeadLetter> {
        self.letters.iter_mut().find(|letter| letter.id == id)
    }

    pub(super) fn remove(&mut self, id: DeadLetterId) -> bool {
        let before = self.letters.len();
        self.letters.retain(|letter| letter.id != id);
        self.letters.len() != before
    }

    /// Empties the list; returns the ids removed.
    pub(super) fn clear(&mut self) -> Vec<DeadLetterId> {
        self.letters.drain(..).map(|letter| letter.id).collect()
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
