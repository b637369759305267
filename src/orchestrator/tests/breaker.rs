//! A job's breaker: open after the failures, one probe after the cool-down.

use super::harness::*;
use crate::orchestrator::machine::status::JobState;
use crate::orchestrator::machine::{Output, RunId, SkipReason};
use crate::orchestrator::JobSpec;

fn guarded(spec: JobSpec) -> JobSpec {
    JobSpec { max_consecutive_failures: 2, breaker_cooldown_ms: Some(1_000), retries: 2, ..spec }
}

/// The next run to start, moving from deadline to deadline.
fn next_start(sim: &mut Sim) -> RunId {
    loop {
        if let Some(start) = starts(&sim.jump_to_next_deadline()).first() {
            return start.run;
        }
    }
}

/// Fails `n` runs of the job, each attempt of each; returns the last outputs.
fn fail_runs(sim: &mut Sim, n: usize) -> Vec<Output> {
    let mut outputs = Vec::new();
    for _ in 0..n {
        loop {
            let run = next_start(sim);
            outputs = sim.fail(run, "down");
            if !outputs.iter().any(|o| matches!(o, Output::Failed { will_retry: true, .. })) {
                break;
            }
        }
    }
    outputs
}

#[test]
fn the_breaker_opens_skips_ticks_then_lets_one_probe_through_which_closes_it() {
    let mut sim = Sim::new(4);
    sim.register("api", guarded(every(100)));
    sim.start();
    let outputs = fail_runs(&mut sim, 2);
    assert_eq!(outputs.last(), Some(&Output::BreakerOpen { job: "api".into() }));
    let opened = sim.now;
    let status = sim.machine.status();
    assert_eq!((status.jobs[0].state, status.jobs[0].enabled, status.healthy), (JobState::BreakerOpen, true, false));

    let mut skipped_ticks = 0;
    let probe = loop {
        let outputs = sim.jump_to_next_deadline();
        if let [Output::Start { run, .. }] = outputs[..] {
            break run;
        }
        if !outputs.is_empty() {
            assert_eq!(outputs, [skipped("api", SkipReason::BreakerOpen)]);
            skipped_ticks += 1;
        }
    };
    assert!(sim.now >= opened + 1_000 && sim.now < opened + 1_100, "the first tick after the cool-down");
    assert!(skipped_ticks >= 9);
    assert_eq!(&sim.succeed(probe)[1..], [Output::BreakerClose { job: "api".into() }]);
    let status = sim.machine.status();
    assert_eq!((status.jobs[0].consecutive_failures, status.healthy), (0, true));
}

#[test]
fn a_failed_probe_reopens_the_breaker_without_retrying() {
    let mut sim = Sim::new(4);
    sim.register("api", guarded(every(100)));
    sim.start();
    fail_runs(&mut sim, 2);
    sim.advance_by(1_000);
    let probe = next_start(&mut sim);
    let outputs = sim.fail(probe, "still down");
    assert!(matches!(outputs[0], Output::Failed { will_retry: false, .. }), "one attempt only");
    assert_eq!(outputs.last(), Some(&Output::BreakerOpen { job: "api".into() }));
    assert_eq!(sim.jump_to_next_deadline(), [skipped("api", SkipReason::BreakerOpen)]);
}

#[test]
fn a_continuous_job_with_an_open_breaker_resumes_at_the_end_of_the_cool_down() {
    let mut sim = Sim::new(4);
    sim.register("drain", JobSpec { retries: 0, ..guarded(continuous(0)) });
    let mut run = started(&sim.start()).run;
    sim.fail(run, "down");
    run = started(&sim.jump_to_next_deadline()).run;
    assert_eq!(sim.fail(run, "down").last(), Some(&Output::BreakerOpen { job: "drain".into() }));
    assert_eq!(sim.machine.next_deadline(), Some(sim.now + 1_000));
    let opened = sim.now;
    let probe = started(&sim.jump_to_next_deadline());
    assert_eq!(sim.now, opened + 1_000);
    assert_eq!(&sim.succeed(probe.run)[1..], [Output::BreakerClose { job: "drain".into() }]);
}

#[test]
fn enable_closes_an_open_breaker() {
    let mut sim = Sim::new(4);
    sim.register("api", guarded(every(100)));
    sim.start();
    fail_runs(&mut sim, 2);
    sim.machine.enable("api", sim.now).unwrap();
    assert_eq!(sim.take(), [Output::BreakerClose { job: "api".into() }]);
    assert_eq!(started_jobs(&sim.jump_to_next_deadline()), ["api"]);
}

#[test]
fn trigger_works_while_the_breaker_is_open_and_its_success_closes_it() {
    let mut sim = Sim::new(4);
    sim.register("api", guarded(every(100)));
    sim.start();
    fail_runs(&mut sim, 2);
    let run = sim.trigger("api");
    assert_eq!(started(&sim.take()).run, run);
    assert_eq!(&sim.succeed(run)[1..], [Output::BreakerClose { job: "api".into() }]);
}

#[test]
fn a_cool_down_that_ended_while_stopped_is_over_at_the_next_start() {
    let mut sim = Sim::new(4);
    sim.register("api", JobSpec { run_on_start: true, retries: 0, ..guarded(every(100)) });
    sim.machine.start(sim.now).unwrap();
    let first = started(&sim.take()).run;
    sim.fail(first, "down");
    fail_runs(&mut sim, 1);
    assert_eq!(sim.machine.status().jobs[0].state, JobState::BreakerOpen);
    sim.machine.stop(sim.now, 0);
    sim.take();
    sim.now += 5_000;
    let probe = started(&sim.start());
    assert_eq!(&sim.succeed(probe.run)[1..], [Output::BreakerClose { job: "api".into() }]);
}
