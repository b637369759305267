//! A map from task ids to values, for ids that arrive nearly in order and
//! leave nearly in order (a pool's ids count up, and tasks end roughly in
//! the order they were submitted).
//!
//! Those ids live in a window, a deque indexed by `id - base`: inserting is
//! a push at the back, removing clears a slot and drops the cleared ones at
//! the front; no hashing, and neighbours share cache lines. Ids outside the
//! window (behind it, or with a gap) go to a hash map. A task that runs long
//! holds the window's front while later ones come and go: once the window
//! is mostly empty slots, its live entries move to the map and it starts
//! again, so memory stays proportional to the live entries.

use std::collections::{HashMap, VecDeque};
use std::hash::BuildHasherDefault;

use crate::core::TaskIdHasher;

/// A window this many times bigger than its live entries (and past
/// `MIN_COMPACTED`) is emptied into the map.
const SPARSE: usize = 4;
const MIN_COMPACTED: usize = 1024;

pub struct ByTaskId<T> {
    window: VecDeque<Option<T>>,
    /// The id of `window[0]`.
    base: u64,
    /// How many slots of `window` are `Some`.
    in_window: usize,
    others: HashMap<u64, T, BuildHasherDefault<TaskIdHasher>>,
}

impl<T> Default for ByTaskId<T> {
    fn default() -> Self {
        ByTaskId { window: VecDeque::new(), base: 0, in_window: 0, others: HashMap::default() }
    }
}

impl<T> ByTaskId<T> {
    /// Adds `value` under `id`, which must not be present.
    pub fn insert(&mut self, id: u64, value: T) {
        if self.window.is_empty() {
            self.base = id;
        }
        let next = self.base + self.window.len() as u64;
        if id == next {
            self.window.push_back(Some(value));
            self.in_window += 1;
        } else if (self.base..next).contains(&id) && self.window[(id - self.base) as usize].is_none() {
            self.window[(id - self.base) as usize] = Some(value);
            self.in_window += 1;
        } else {
            self.others.insert(id, value);
        }
    }

    pub fn remove(&mut self, id: u64) -> Option<T> {
        let in_window = id.checked_sub(self.base).filter(|&offset| offset < self.window.len() as u64);
        let Some(offset) = in_window else { return self.others.remove(&id) };
        let value = self.window[offset as usize].take();
        if value.is_some() {
            self.in_window -= 1;
            while self.window.front().is_some_and(Option::is_none) {
                self.window.pop_front();
                self.base += 1;
            }
            self.compact_if_sparse();
            return value;
        }
        self.others.remove(&id)
    }

    /// Every id present, in increasing order.
    pub fn ids(&self) -> Vec<u64> {
        let in_window = self.window.iter().enumerate().filter(|(_, slot)| slot.is_some());
        let mut ids: Vec<u64> =
            in_window.map(|(offset, _)| self.base + offset as u64).chain(self.others.keys().copied()).collect();
        ids.sort_unstable();
        ids
    }

    fn compact_if_sparse(&mut self) {
        if self.window.len() <= MIN_COMPACTED || self.window.len() <= SPARSE * self.in_window {
            return;
        }
        let base = self.base;
        for (offset, slot) in std::mem::take(&mut self.window).into_iter().enumerate() {
            if let Some(value) = slot {
                self.others.insert(base + offset as u64, value);
            }
        }
        self.in_window = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn in_order_ids_stay_in_the_window() {
        let mut map = ByTaskId::default();
        for id in 10..20 {
            map.insert(id, id * 2);
        }
        assert!(map.others.is_empty());
        assert_eq!(map.remove(12), Some(24));
        assert_eq!(map.remove(12), None);
        assert_eq!(map.remove(10), Some(20));
        assert_eq!(map.remove(11), Some(22));
        assert_eq!(map.base, 13);
        assert_eq!(map.ids(), (13..20).collect::<Vec<_>>());
    }

    #[test]
    fn out_of_order_ids_go_to_the_map() {
        let mut map = ByTaskId::default();
        map.insert(5, 'a');
        map.insert(9, 'b'); // a gap
        map.insert(3, 'c'); // behind
        map.insert(6, 'd');
        assert_eq!(map.ids(), vec![3, 5, 6, 9]);
        assert_eq!(map.remove(9), Some('b'));
        assert_eq!(map.remove(3), Some('c'));
        assert_eq!(map.remove(5), Some('a'));
        assert_eq!(map.remove(6), Some('d'));
        assert_eq!(map.remove(7), None);
        assert!(map.ids().is_empty());
    }

    #[test]
    fn a_long_held_front_does_not_grow_the_window_forever() {
        let mut map = ByTaskId::default();
        map.insert(0, 0);
        for id in 1..100_000 {
            map.insert(id, id);
            assert_eq!(map.remove(id), Some(id));
        }
        assert!(map.window.len() <= MIN_COMPACTED + 1);
        assert_eq!(map.ids(), vec![0]);
        assert_eq!(map.remove(0), Some(0));
        assert!(map.ids().is_empty());
    }
}
