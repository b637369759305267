//! The machine on the wall clock. One timer on the core's timer thread is
//! armed at the machine's next deadline (cancelled and re-armed whenever that
//! changes), so an idle orchestrator makes no wake-ups between runs; the host
//! is rung when outputs go from none to some, so a burst of them costs one
//! wake-up of the JavaScript thread.

use std::sync::{Arc, Weak};
use std::time::Duration;

use parking_lot::Mutex;

use super::clock::{Clock, Millis};
use super::machine::durable::Changes;
use super::machine::{Machine, Output};
use super::spec::OrchestratorConfig;
use crate::core::timer::TimerId;
use crate::core::{Host, Timers};

/// The one timer out, and which arming it belongs to: a timer that fires
/// just as it is being replaced must not clear its successor.
struct Armed {
    deadline: Millis,
    timer: TimerId,
    generation: u64,
}

struct State {
    machine: Machine,
    armed: Option<Armed>,
    generation: u64,
}

pub struct Driver {
    /// Invariant: after every call that holds this lock, `armed` is at the
    /// machine's `next_deadline()` (or `None` when it has none).
    state: Mutex<State>,
    clock: Arc<dyn Clock>,
    timers: Arc<dyn Timers>,
    host: Arc<dyn Host>,
}

impl Driver {
    pub fn new(
        config: OrchestratorConfig,
        clock: Arc<dyn Clock>,
        timers: Arc<dyn Timers>,
        host: Arc<dyn Host>,
    ) -> Arc<Driver> {
        let state = State { machine: Machine::new(config), armed: None, generation: 0 };
        Arc::new(Driver { state: Mutex::new(state), clock, timers, host })
    }

    /// Runs `f` on the machine at the clock's `now`, then re-arms the timer
    /// and rings the host if outputs are now waiting.
    pub fn with<R>(self: &Arc<Self>, f: impl FnOnce(&mut Machine, Millis) -> R) -> R {
        self.locked(|state, now| f(&mut state.machine, now))
    }

    pub fn take_outputs(self: &Arc<Self>) -> Vec<Output> {
        let mut state = self.state.lock();
        let now = self.clock.now();
        let outputs = state.machine.take_outputs(now);
        // An enforced timeout may have moved with the attempts taken.
        self.rearm(&mut state, now);
        outputs
    }

    /// `take_outputs`, and the durable changes of the same steps, taken
    /// together: a leader stores exactly what its outputs come from.
    pub fn take_outputs_and_changes(self: &Arc<Self>) -> (Vec<Output>, Changes) {
        let mut state = self.state.lock();
        let now = self.clock.now();
        let outputs = state.machine.take_outputs(now);
        let changes = state.machine.take_changes();
        self.rearm(&mut state, now);
        (outputs, changes)
    }

    fn locked<R>(self: &Arc<Self>, f: impl FnOnce(&mut State, Millis) -> R) -> R {
        let mut state = self.state.lock();
        let now = self.clock.now();
        let had_outputs = state.machine.has_outputs();
        let result = f(&mut state, now);
        self.rearm(&mut state, now);
        // The host never blocks nor calls back in (`core::Host`): safe under the lock.
        if !had_outputs && state.machine.has_outputs() {
            self.host.ring();
        }
        result
    }

    fn rearm(self: &Arc<Self>, state: &mut State, now: Millis) {
        let wanted = state.machine.next_deadline();
        if state.armed.as_ref().map(|armed| armed.deadline) == wanted {
            return;
        }
        if let Some(old) = state.armed.take() {
            self.timers.cancel(old.timer);
        }
        let Some(deadline) = wanted else { return };
        state.generation += 1;
        let generation = state.generation;
        // The timer thread counts on the monotonic clock; the wall clock is
        // read again when it fires, and a clock that went back meanwhile
        // finds nothing due and arms again.
        let delay = Duration::from_millis(deadline.saturating_sub(now).max(0) as u64);
        let driver: Weak<Driver> = Arc::downgrade(self);
        let timer = self.timers.schedule(
            delay,
            Box::new(move || {
                if let Some(driver) = driver.upgrade() {
                    driver.on_timer(generation);
                }
            }),
        );
        state.armed = Some(Armed { deadline, timer, generation });
    }

    fn on_timer(self: &Arc<Self>, generation: u64) {
        self.locked(|state, now| {
            if state.armed.as_ref().is_some_and(|armed| armed.generation == generation) {
                state.armed = None;
            }
            state.machine.advance(now);
        });
    }

    /// The deadline the timer is armed at.
    #[cfg(test)]
    pub(crate) fn armed_deadline(&self) -> Option<Millis> {
        self.state.lock().armed.as_ref().map(|armed| armed.deadline)
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        if let Some(armed) = self.state.get_mut().armed.take() {
            self.timers.cancel(armed.timer);
        }
    }
}
