//! The four ways a job runs: every (fixed rate), cron, continuous, triggered;
//! and `run_on_start`.

use super::harness::*;
use crate::orchestrator::machine::{Output, Trigger};
use crate::orchestrator::JobSpec;

#[test]
fn every_keeps_a_fixed_rate_without_drift_over_50_runs_of_varying_length() {
    let mut sim = Sim::new(4);
    sim.register("fetch", every(1_000));
    assert!(sim.start().is_empty());
    for tick in 1..=50 {
        let start = started(&sim.jump_to_next_deadline());
        assert_eq!(sim.now, T0 + tick * 1_000, "tick {tick} on the grid");
        assert_eq!(start.trigger, Trigger::Schedule);
        // Runs take from 10 to 990 ms: the next start does not move.
        sim.advance_by(10 + (tick * 379) % 980);
        sim.succeed(start.run);
    }
    assert_eq!(sim.machine.status().jobs[0].successes, 50);
}

#[test]
fn run_on_start_runs_once_at_start_then_on_the_grid() {
    let mut sim = Sim::new(4);
    sim.register("fetch", JobSpec { run_on_start: true, ..every(1_000) });
    let first = started(&sim.start());
    assert_eq!((first.trigger, first.attempt), (Trigger::Schedule, 1));
    assert_eq!(sim.machine.next_deadline(), Some(T0 + 1_000));
    sim.advance_by(300);
    sim.succeed(first.run);
    assert_eq!(started(&sim.jump_to_next_deadline()).job, "fetch");
    assert_eq!(sim.now, T0 + 1_000);
}

#[test]
fn a_cron_job_ticks_on_its_expression_and_runs_at_start_only_when_asked() {
    let minute = |at: i64| (at.div_euclid(60_000) + 1) * 60_000;
    let mut sim = Sim::new(4);
    sim.register("report", cron("* * * * *"));
    sim.register("eager", JobSpec { run_on_start: true, ..cron("* * * * *") });
    assert_eq!(started_jobs(&sim.start()), ["eager"]);
    assert_eq!(sim.machine.next_deadline(), Some(minute(T0)));
    let outputs = sim.jump_to_next_deadline();
    assert_eq!(starts(&outputs).iter().filter(|start| start.job == "report").count(), 1);
    assert_eq!(sim.machine.next_deadline(), Some(minute(T0) + 60_000));
}

#[test]
fn continuous_runs_back_to_back_with_its_gap_and_backs_off_after_failures() {
    let mut sim = Sim::new(4);
    sim.register("drain", continuous(200));
    let first = started(&sim.start());
    assert_eq!(first.trigger, Trigger::Continuous);
    sim.advance_by(50);
    sim.succeed(first.run);
    assert_eq!(sim.machine.next_deadline(), Some(sim.now + 200), "the gap after a success");

    let second = started(&sim.jump_to_next_deadline());
    sim.advance_by(30);
    sim.fail(second.run, "boom");
    let wait = sim.machine.next_deadline().unwrap() - sim.now;
    assert!(within_backoff(wait, 1), "after one failure: {wait}");

    let third = started(&sim.jump_to_next_deadline());
    sim.fail(third.run, "boom");
    let wait = sim.machine.next_deadline().unwrap() - sim.now;
    assert!(within_backoff(wait, 2), "after two failures in a row: {wait}");

    let fourth = started(&sim.jump_to_next_deadline());
    assert_eq!(fourth.trigger, Trigger::Continuous);
    sim.succeed(fourth.run);
    assert_eq!(sim.machine.next_deadline(), Some(sim.now + 200), "back to the gap");
}

#[test]
fn a_triggered_job_runs_only_when_triggered() {
    let mut sim = Sim::new(4);
    sim.register("report", triggered());
    assert!(sim.start().is_empty());
    assert_eq!(sim.machine.next_deadline(), None, "nothing to wake up for");
    let run = sim.trigger("report");
    let start = started(&sim.take());
    assert_eq!((start.run, start.trigger), (run, Trigger::Manual));
    sim.advance_by(40);
    assert_eq!(sim.succeed(run), [Output::Succeeded { run, job: "report".into(), duration_ms: 40 }]);
    assert_eq!(sim.machine.next_deadline(), None);
}

#[test]
fn a_job_registered_on_a_running_orchestrator_is_anchored_at_its_registration() {
    let mut sim = Sim::new(4);
    sim.start();
    sim.advance_by(250);
    sim.machine.register("late", JobSpec { run_on_start: true, ..every(1_000) }, sim.now).unwrap();
    assert_eq!(started_jobs(&sim.take()), ["late"]);
    assert_eq!(sim.machine.next_deadline(), Some(T0 + 1_250));
}
