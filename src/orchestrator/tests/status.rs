//! `status()` is exact.

use super::harness::*;
use crate::orchestrator::machine::status::{JobState, LifecycleState};
use crate::orchestrator::{JobSpec, Mode};

#[test]
fn next_run_at_is_the_armed_deadline_of_a_lone_job() {
    let mut sim = Sim::new(4);
    sim.register("job", every(700));
    assert_eq!(sim.machine.status().jobs[0].next_run_at, None, "not started");
    sim.start();
    for _ in 0..20 {
        let status = sim.machine.status();
        assert_eq!(status.jobs[0].next_run_at, sim.machine.next_deadline());
        let run = started(&sim.jump_to_next_deadline()).run;
        sim.advance_by(123);
        sim.succeed(run);
    }
}

#[test]
fn counts_times_and_states_are_exact() {
    let mut sim = Sim::new(1);
    sim.register("job", JobSpec { retries: 1, ..every(1_000) });
    sim.register("other", triggered());
    sim.start();
    let status = sim.machine.status();
    assert_eq!((status.state, status.running, status.waiting, status.healthy), (LifecycleState::Running, 0, 0, true));
    assert_eq!(
        (status.jobs[0].name.as_str(), status.jobs[0].mode, status.jobs[0].state),
        ("job", Mode::Scheduled, JobState::Idle)
    );

    let run = started(&sim.jump_to_next_deadline()).run;
    let started_at = sim.now;
    assert_eq!(sim.machine.status().jobs[0].state, JobState::Running);
    sim.trigger("other");
    assert_eq!((sim.machine.status().running, sim.machine.status().waiting), (1, 1));
    assert_eq!(sim.machine.status().jobs[1].state, JobState::Waiting);
    sim.advance_by(40);
    sim.fail(run, "boom");
    assert_eq!(sim.machine.status().jobs[0].state, JobState::Retrying);
    assert!(!sim.machine.status().healthy || sim.machine.status().jobs[0].consecutive_failures == 0);
    sim.jump_to_next_deadline();
    sim.advance_by(25);
    sim.succeed(run);

    let job = &sim.machine.status().jobs[0];
    assert_eq!((job.runs, job.successes, job.failures, job.consecutive_failures), (1, 1, 0, 0));
    assert_eq!(job.last_run_at, Some(started_at));
    assert_eq!(job.last_success_at, Some(sim.now));
    assert_eq!(job.last_duration_ms, Some(25), "the final attempt");
    assert_eq!(job.last_error.as_deref(), Some("boom"));
    assert_eq!(job.next_run_at, Some(T0 + 2_000));
    assert_eq!(sim.machine.status().jobs[1].state, JobState::Running);
}

#[test]
fn a_failure_makes_the_orchestrator_unhealthy_until_a_success() {
    let mut sim = Sim::new(4);
    sim.register("job", triggered());
    sim.start();
    let run = sim.trigger("job");
    sim.fail(run, "boom");
    assert!(!sim.machine.status().healthy);
    let run = sim.trigger("job");
    sim.succeed(run);
    assert!(sim.machine.status().healthy);
    sim.machine.stop(sim.now, 0);
    assert!(!sim.machine.status().healthy, "only a running orchestrator is healthy");
}
