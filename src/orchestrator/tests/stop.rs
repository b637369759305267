//! `stop()`: no new runs, running ones finish or are aborted at the deadline.

use super::harness::*;
use crate::orchestrator::machine::status::LifecycleState;
use crate::orchestrator::machine::{CancelReason, Output, SkipReason, TriggerError};
use crate::orchestrator::JobSpec;

/// Three jobs: `running` runs, `retrying` waits for a retry, `waiting` waits
/// for `running` (which it blocks).
fn busy_sim() -> (Sim, [u64; 3]) {
    let mut sim = Sim::new(4);
    sim.register("running", JobSpec { retries: 3, ..triggered() });
    sim.register("retrying", JobSpec { retries: 3, ..triggered() });
    sim.register("waiting", JobSpec { blocks: names(&["running"]), ..triggered() });
    sim.register("ticking", every(100));
    sim.start();
    let runs = ["running", "retrying", "waiting"].map(|name| sim.trigger(name));
    sim.fail(runs[1], "boom");
    sim.take();
    (sim, runs)
}

#[test]
fn stop_cancels_waiting_and_retrying_runs_and_lets_running_ones_finish_without_retry() {
    let (mut sim, [running, retrying, waiting]) = busy_sim();
    sim.machine.stop(sim.now, 5_000);
    assert_eq!(
        sim.take(),
        [
            Output::Cancelled { run: retrying, job: "retrying".into(), reason: CancelReason::Stopped },
            Output::Cancelled { run: waiting, job: "waiting".into(), reason: CancelReason::Stopped },
        ]
    );
    assert_eq!(sim.machine.status().state, LifecycleState::Stopping);
    assert_eq!(sim.jump_to_next_deadline(), [skipped("ticking", SkipReason::Stopping)]);
    let outputs = sim.fail(running, "boom");
    assert!(matches!(outputs[0], Output::Failed { will_retry: false, .. }), "no retry while stopping");
    assert_eq!(outputs.last(), Some(&Output::Stopped));
    assert_eq!(sim.machine.status().state, LifecycleState::Stopped);
    assert_eq!(sim.machine.next_deadline(), None, "a stopped orchestrator arms nothing");
}

#[test]
fn at_the_deadline_running_runs_are_aborted_and_ended_without_counting_as_failures() {
    let (mut sim, [running, ..]) = busy_sim();
    sim.machine.stop(sim.now, 1_000);
    sim.take();
    let outputs = sim.advance_by(1_000);
    assert_eq!(outputs[0], skipped("ticking", SkipReason::Stopping), "the tick due meanwhile");
    assert_eq!(outputs[1], Output::Abort { run: running, timed_out: false });
    assert!(
        matches!(&outputs[2], Output::Cancelled { run, reason: CancelReason::AbortedByStop, .. } if *run == running)
    );
    assert_eq!(outputs.last(), Some(&Output::Stopped));
    assert!(sim.succeed(running).is_empty(), "a late report is ignored");
    let job = sim.machine.status().jobs.into_iter().find(|job| job.runs > 0 || job.consecutive_failures > 0);
    assert!(job.is_none_or(|job| job.failures == 0 && job.consecutive_failures == 0), "not a failure of its job");
    assert_eq!(sim.machine.dead_letters().len(), 0, "no dead letter");
}

#[test]
fn stop_is_idempotent_and_a_second_call_may_only_bring_the_deadline_closer() {
    let (mut sim, _) = busy_sim();
    sim.machine.stop(sim.now, 5_000);
    sim.take();
    sim.machine.stop(sim.now, 10_000);
    assert!(sim.take().is_empty());
    sim.machine.stop(sim.now, 0);
    assert_eq!(sim.take().last(), Some(&Output::Stopped), "a zero timeout aborts at once");
    sim.machine.stop(sim.now, 0);
    assert!(sim.take().is_empty());
}

#[test]
fn stop_with_nothing_running_stops_at_once_and_start_starts_afresh() {
    let mut sim = Sim::new(4);
    sim.register("job", every(1_000));
    sim.start();
    sim.advance_by(300);
    sim.machine.stop(sim.now, 5_000);
    assert_eq!(sim.take(), [Output::Stopped]);
    assert_eq!(sim.machine.trigger("job", sim.now), Err(TriggerError::Stopped));
    sim.advance_by(50);
    sim.start();
    assert_eq!(sim.machine.next_deadline(), Some(sim.now + 1_000), "a new anchor");
    assert_eq!(sim.machine.status().state, LifecycleState::Running);
}

#[test]
fn start_is_refused_while_stopping() {
    let (mut sim, _) = busy_sim();
    sim.machine.stop(sim.now, 5_000);
    assert!(sim.machine.start(sim.now).is_err());
    sim.machine.start(sim.now).unwrap_err();
}
