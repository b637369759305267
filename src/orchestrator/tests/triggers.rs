//! `trigger()`: its refusals, taking over a waiting run, disabled jobs.

use super::harness::*;
use crate::orchestrator::machine::{Output, Trigger, TriggerError};
use crate::orchestrator::JobSpec;

#[test]
fn trigger_refuses_a_busy_job_an_unknown_one_and_a_stopped_orchestrator() {
    let mut sim = Sim::new(4);
    sim.register("job", JobSpec { retries: 1, ..triggered() });
    assert_eq!(sim.machine.trigger("job", sim.now), Err(TriggerError::Stopped), "not started");
    sim.start();
    assert_eq!(sim.machine.trigger("ghost", sim.now), Err(TriggerError::NotFound));
    let run = sim.trigger("job");
    assert_eq!(sim.machine.trigger("job", sim.now), Err(TriggerError::Busy), "running");
    sim.fail(run, "boom");
    assert_eq!(sim.machine.trigger("job", sim.now), Err(TriggerError::Busy), "waiting for a retry");
    sim.machine.stop(sim.now, 1_000);
    assert_eq!(sim.machine.trigger("job", sim.now), Err(TriggerError::Stopped));
}

#[test]
fn trigger_takes_over_a_waiting_run() {
    let mut sim = Sim::new(1);
    sim.register("hog", triggered());
    sim.register("fetch", triggered());
    sim.register("job", JobSpec { depends_on: names(&["fetch"]), ..every(100) });
    sim.start();
    let hog = sim.trigger("hog");
    sim.take();
    assert!(sim.jump_to_next_deadline().is_empty(), "the tick's run waits (slot, dependency)");
    let run = sim.trigger("job");
    assert_eq!(sim.machine.status().waiting, 1, "the same run");
    let start = started(&sim.succeed(hog));
    assert_eq!((start.run, start.trigger), (run, Trigger::Manual), "manual: no dependency condition");
}

#[test]
fn trigger_works_on_a_disabled_job() {
    let mut sim = Sim::new(4);
    sim.register("job", every(100));
    sim.start();
    sim.machine.disable("job", sim.now).unwrap();
    let run = sim.trigger("job");
    assert_eq!(started(&sim.take()).run, run);
    assert!(matches!(sim.succeed(run)[..], [Output::Succeeded { .. }]));
    assert!(!sim.machine.status().jobs[0].enabled, "still disabled");
}

#[test]
fn unregister_cancels_a_waiting_run_and_lets_a_running_one_finish() {
    let mut sim = Sim::new(1);
    sim.register("running", triggered());
    sim.register("waiting", triggered());
    sim.start();
    let running = sim.trigger("running");
    let waiting = sim.trigger("waiting");
    sim.take();
    sim.machine.unregister("waiting", sim.now).unwrap();
    sim.machine.unregister("running", sim.now).unwrap();
    assert_eq!(
        sim.take(),
        [Output::Cancelled {
            run: waiting,
            job: "waiting".into(),
            reason: crate::orchestrator::machine::CancelReason::NotFound
        }]
    );
    assert_eq!(sim.machine.status().running, 1);
    assert_eq!(sim.succeed(running), [Output::Succeeded { run: running, job: "running".into(), duration_ms: 0 }]);
    assert_eq!(sim.machine.status().running, 0);
    assert_eq!(sim.machine.trigger("running", sim.now), Err(TriggerError::NotFound));
}
