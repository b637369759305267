//! Runs waiting to start, in the order they get a slot: higher priority
//! first, first come first served within a priority.

use std::cmp::Reverse;
use std::collections::{BTreeMap, HashMap};

use super::outputs::RunId;

type Place = (Reverse<u8>, u64);

#[derive(Default)]
pub(super) struct WaitQueue {
    order: BTreeMap<Place, RunId>,
    places: HashMap<RunId, Place>,
    arrivals: u64,
}

impl WaitQueue {
    pub(super) fn push(&mut self, run: RunId, priority: u8) {
        let place = (Reverse(priority), self.arrivals);
        self.arrivals += 1;
        self.order.insert(place, run);
        self.places.insert(run, place);
    }

    pub(super) fn remove(&mut self, run: RunId) {
        if let Some(place) = self.places.remove(&run) {
            self.order.remove(&place);
        }
    }

    /// A snapshot, so that the caller may start (and so remove) runs as it goes.
    pub(super) fn in_order(&self) -> Vec<RunId> {
        self.order.values().copied().collect()
    }

    pub(super) fn len(&self) -> usize {
        self.order.len()
    }
}
