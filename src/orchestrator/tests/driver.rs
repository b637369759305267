//! The driver on the real timer thread.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;

use super::harness::every;
use crate::core::timer::{TimerAction, TimerId};
use crate::core::{Host, TimerThread, Timers};
use crate::orchestrator::clock::{Clock, Millis, SystemClock};
use crate::orchestrator::machine::{Output, RunOutcome};
use crate::orchestrator::{Driver, OrchestratorConfig};

/// The system clock, plus an offset the test moves (a wall clock set back).
#[derive(Default)]
struct ShiftedClock {
    offset: AtomicI64,
}

impl Clock for ShiftedClock {
    fn now(&self) -> Millis {
        SystemClock.now() + self.offset.load(Ordering::SeqCst)
    }
}

/// Stands for the JavaScript thread: says when it is rung.
struct ChannelHost(Mutex<Sender<()>>);

impl Host for ChannelHost {
    fn ring(&self) {
        let _ = self.0.lock().send(());
    }
}

/// The real timer thread, recording the delay of every timer scheduled.
struct RecordingTimers {
    inner: Arc<TimerThread>,
    delays: Mutex<Vec<Duration>>,
}

impl Timers for RecordingTimers {
    fn schedule(&self, after: Duration, action: TimerAction) -> TimerId {
        self.delays.lock().push(after);
        self.inner.schedule(after, action)
    }

    fn cancel(&self, id: TimerId) -> bool {
        self.inner.cancel(id)
    }
}

struct Setup {
    driver: Arc<Driver>,
    clock: Arc<ShiftedClock>,
    timers: Arc<RecordingTimers>,
    rings: Receiver<()>,
}

fn setup() -> Setup {
    let (tx, rings) = mpsc::channel();
    let clock = Arc::new(ShiftedClock::default());
    let timers = Arc::new(RecordingTimers { inner: TimerThread::global(), delays: Mutex::default() });
    let host = Arc::new(ChannelHost(Mutex::new(tx)));
    let config = OrchestratorConfig { max_concurrent_jobs: 2, dead_letter_limit: 10 };
    let driver = Driver::new(config, clock.clone(), timers.clone(), host);
    Setup { driver, clock, timers, rings }
}

fn wait_for_ring(rings: &Receiver<()>) {
    rings.recv_timeout(Duration::from_secs(5)).expect("the host is rung");
}

#[test]
fn the_timer_fires_the_tick_rings_the_host_once_and_re_arms() {
    let Setup { driver, rings, .. } = setup();
    driver.with(|machine, now| {
        machine.register("job", every(50), now).unwrap();
        machine.start(now).unwrap();
    });
    assert_eq!(driver.armed_deadline(), driver.with(|machine, _| machine.next_deadline()));
    for _ in 0..3 {
        wait_for_ring(&rings);
        let outputs = driver.take_outputs();
        let [Output::Start { run, attempt, .. }] = outputs[..] else { panic!("{outputs:?}") };
        driver.with(|machine, now| machine.run_finished(run, attempt, RunOutcome::Success, now));
        wait_for_ring(&rings);
        assert!(matches!(driver.take_outputs()[..], [Output::Succeeded { .. }]));
        let armed = driver.armed_deadline().expect("re-armed");
        assert_eq!(Some(armed), driver.with(|machine, _| machine.next_deadline()));
    }
    assert!(rings.try_recv().is_err(), "one ring per batch of outputs");
}

#[test]
fn a_wall_clock_that_went_back_re_arms_instead_of_firing_early() {
    let Setup { driver, clock, timers, rings } = setup();
    driver.with(|machine, now| {
        machine.register("job", every(100), now).unwrap();
        machine.start(now).unwrap();
    });
    let deadline = driver.armed_deadline().unwrap();
    // The wall clock is set back 10 s before the timer fires.
    clock.offset.store(-10_000, Ordering::SeqCst);
    assert!(rings.recv_timeout(Duration::from_millis(400)).is_err(), "nothing is due on the wall clock");
    assert_eq!(driver.armed_deadline(), Some(deadline), "armed again for the same wall-clock deadline");
    let delays = timers.delays.lock().clone();
    assert_eq!(delays.len(), 2, "{delays:?}");
    assert!(delays[1] > Duration::from_millis(9_500), "{delays:?}");
    // Dropping the driver cancels its timer; the timer's action holds only a weak reference anyway.
    drop(driver);
}
