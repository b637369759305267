//! Retries, auto-disable and enforced timeouts.

use super::harness::*;
use crate::orchestrator::machine::status::JobState;
use crate::orchestrator::machine::{Output, RunOutcome, SkipReason, Trigger};
use crate::orchestrator::JobSpec;

#[test]
fn a_run_retries_with_back_off_and_fails_only_when_its_retries_are_spent() {
    let mut sim = Sim::new(4);
    sim.register("flaky", JobSpec { retries: 2, ..triggered() });
    sim.start();
    let run = sim.trigger("flaky");
    assert_eq!(started(&sim.take()).attempt, 1);
    for attempt in 1..=2 {
        let outputs = sim.fail(run, "boom");
        assert_eq!(
            outputs,
            [Output::Failed {
                run,
                job: "flaky".into(),
                attempt,
                error: "boom".into(),
                timed_out: false,
                replica_lost: false,
                will_retry: true
            }]
        );
        assert_eq!(sim.machine.status().jobs[0].state, JobState::Retrying);
        let wait = sim.machine.next_deadline().unwrap() - sim.now;
        assert!(within_backoff(wait, attempt), "attempt {attempt}: {wait}");
        let next = started(&sim.jump_to_next_deadline());
        assert_eq!((next.run, next.attempt, next.trigger), (run, attempt + 1, Trigger::Retry));
    }
    let outputs = sim.fail(run, "boom");
    assert!(matches!(outputs[0], Output::Failed { attempt: 3, will_retry: false, .. }));
    assert!(matches!(outputs[1], Output::DeadLetter { attempts: 3, .. }));
    let job = &sim.machine.status().jobs[0];
    assert_eq!((job.runs, job.failures, job.consecutive_failures), (1, 1, 1));
}

#[test]
fn a_success_on_retry_is_a_successful_run() {
    let mut sim = Sim::new(4);
    sim.register("flaky", JobSpec { retries: 3, ..triggered() });
    sim.start();
    let run = sim.trigger("flaky");
    sim.fail(run, "boom");
    sim.jump_to_next_deadline();
    assert!(matches!(sim.succeed(run)[..], [Output::Succeeded { .. }]));
    let job = &sim.machine.status().jobs[0];
    assert_eq!((job.runs, job.successes, job.failures, job.consecutive_failures), (1, 1, 0, 0));
    assert_eq!(job.last_error.as_deref(), Some("boom"));
}

#[test]
fn a_run_waiting_for_a_retry_keeps_its_slot() {
    let mut sim = Sim::new(1);
    sim.register("flaky", JobSpec { retries: 1, ..triggered() });
    sim.register("other", triggered());
    sim.start();
    let flaky = sim.trigger("flaky");
    sim.fail(flaky, "boom");
    sim.trigger("other");
    assert!(sim.take().is_empty(), "the retrying run holds the only slot");
    sim.jump_to_next_deadline();
    assert_eq!(started_jobs(&sim.fail(flaky, "boom")), ["other"]);
}

#[test]
fn consecutive_failures_disable_the_job_and_enable_resets_it() {
    let mut sim = Sim::new(4);
    sim.register("broken", JobSpec { max_consecutive_failures: 3, ..every(100) });
    sim.start();
    for n in 1..=3 {
        let run = started(&sim.jump_to_next_deadline()).run;
        let outputs = sim.fail(run, "broken");
        let disabled = Output::Disabled { job: "broken".into(), consecutive_failures: 3 };
        assert_eq!(outputs.contains(&disabled), n == 3);
    }
    let status = sim.machine.status();
    assert_eq!((status.jobs[0].state, status.jobs[0].enabled, status.healthy), (JobState::Disabled, false, false));
    assert_eq!(sim.jump_to_next_deadline(), [skipped("broken", SkipReason::Disabled)]);

    sim.machine.enable("broken", sim.now).unwrap();
    let status = sim.machine.status();
    assert_eq!((status.jobs[0].consecutive_failures, status.healthy), (0, true));
    assert_eq!(started_jobs(&sim.jump_to_next_deadline()), ["broken"]);
}

#[test]
fn disable_lets_a_running_run_finish_and_skips_the_ticks() {
    let mut sim = Sim::new(4);
    sim.register("job", every(100));
    sim.start();
    let run = started(&sim.jump_to_next_deadline()).run;
    sim.machine.disable("job", sim.now).unwrap();
    assert_eq!(sim.jump_to_next_deadline(), [skipped("job", SkipReason::Overlap)]);
    assert!(matches!(sim.succeed(run)[..], [Output::Succeeded { .. }]));
    assert_eq!(sim.jump_to_next_deadline(), [skipped("job", SkipReason::Disabled)]);
    assert!(sim.machine.status().healthy, "disabled by hand is not unhealthy");
}

#[test]
fn an_enforced_timeout_aborts_and_fails_the_attempt_and_ignores_its_late_report() {
    let mut sim = Sim::new(4);
    let spec = JobSpec { timeout_ms: 500, enforce_timeout: true, retries: 1, ..triggered() };
    sim.register("light", spec);
    sim.start();
    let run = sim.trigger("light");
    assert!(matches!(sim.take()[..], [Output::Start { timeout_ms: 500, .. }]));
    assert_eq!(sim.machine.next_deadline(), Some(sim.now + 500));
    let outputs = sim.jump_to_next_deadline();
    assert_eq!(outputs[0], Output::Abort { run, timed_out: true });
    assert!(matches!(&outputs[1], Output::Failed { timed_out: true, will_retry: true, attempt: 1, error, .. }
        if error.contains("500 ms")));
    // The abandoned attempt settles late: ignored.
    assert!(sim.succeed(run).is_empty());
    let retry = started(&sim.jump_to_next_deadline());
    assert_eq!(retry.attempt, 2);
    sim.jump_to_next_deadline();
    // The first attempt's late report, while the second runs: not the second's outcome.
    sim.machine.run_finished(run, 1, RunOutcome::Success, sim.now);
    assert!(sim.take().is_empty());
    assert_eq!(sim.machine.status().jobs[0].failures, 1);
}

#[test]
fn a_timeout_the_pool_enforces_arms_no_deadline() {
    let mut sim = Sim::new(4);
    sim.register("worker", JobSpec { timeout_ms: 500, ..triggered() });
    sim.start();
    sim.trigger("worker");
    assert!(matches!(sim.take()[..], [Output::Start { timeout_ms: 500, .. }]));
    assert_eq!(sim.machine.next_deadline(), None);
}
