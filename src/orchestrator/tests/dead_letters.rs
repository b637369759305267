//! Dead letters: bounded, retried, cleared.

use super::harness::*;
use crate::orchestrator::machine::{Output, TriggerError};
use crate::orchestrator::{JobSpec, OrchestratorConfig};

fn sim_with_limit(dead_letter_limit: usize) -> Sim {
    let mut sim = Sim::with_config(OrchestratorConfig { max_concurrent_jobs: 4, dead_letter_limit });
    sim.register("job", triggered());
    sim.start();
    sim
}

fn failed_run(sim: &mut Sim, error: &str) -> Vec<Output> {
    let run = sim.trigger("job");
    sim.take();
    sim.fail(run, error)
}

#[test]
fn each_failed_run_is_a_dead_letter_and_the_oldest_are_dropped_past_the_limit() {
    let mut sim = sim_with_limit(2);
    for error in ["one", "two"] {
        failed_run(&mut sim, error);
    }
    sim.advance_by(10);
    let outputs = failed_run(&mut sim, "three");
    assert_eq!(
        outputs[1..],
        [
            Output::DeadLetter { id: 3, job: "job".into(), run: 3, error: "three".into(), attempts: 1 },
            Output::DeadLetterRemoved { id: 1 },
        ]
    );
    let letters = sim.machine.dead_letters();
    assert_eq!(letters.iter().map(|letter| letter.id).collect::<Vec<_>>(), [2, 3]);
    assert_eq!((letters[1].run, letters[1].failed_at, letters[1].error.as_str()), (3, T0 + 10, "three"));
    assert_eq!(sim.machine.status().dead_letters, 2);
}

#[test]
fn a_retried_dead_letter_is_removed_on_success() {
    let mut sim = sim_with_limit(10);
    failed_run(&mut sim, "boom");
    let retry = sim.machine.retry_dead_letter(1, sim.now).unwrap();
    assert!(matches!(sim.take()[..], [Output::Start { run, dead_letter: Some(1), .. }] if run == retry));
    let outputs = sim.succeed(retry);
    assert_eq!(outputs[1], Output::DeadLetterRemoved { id: 1 });
    assert!(sim.machine.dead_letters().is_empty());
    assert_eq!(sim.machine.retry_dead_letter(1, sim.now), Err(TriggerError::NotFound));
}

#[test]
fn a_failed_retry_updates_its_letter_and_files_no_new_one() {
    let mut sim = sim_with_limit(10);
    sim.machine.register("retried", JobSpec { retries: 1, ..triggered() }, sim.now).unwrap();
    let run = sim.trigger("retried");
    sim.fail(run, "first");
    sim.jump_to_next_deadline();
    sim.fail(run, "first");
    let retry = sim.machine.retry_dead_letter(1, sim.now).unwrap();
    sim.take();
    sim.advance_by(5);
    sim.fail(retry, "again");
    sim.jump_to_next_deadline();
    let outputs = sim.fail(retry, "again");
    assert!(!outputs.iter().any(|o| matches!(o, Output::DeadLetter { .. })), "{outputs:?}");
    let letters = sim.machine.dead_letters();
    assert_eq!(letters.len(), 1);
    assert_eq!((letters[0].run, letters[0].attempts, letters[0].error.as_str()), (run, 4, "again"));
    assert_eq!(letters[0].failed_at, sim.now);
}

#[test]
fn clearing_removes_every_letter() {
    let mut sim = sim_with_limit(10);
    failed_run(&mut sim, "a");
    failed_run(&mut sim, "b");
    sim.machine.clear_dead_letters();
    assert_eq!(sim.take(), [Output::DeadLetterRemoved { id: 1 }, Output::DeadLetterRemoved { id: 2 }]);
    assert!(sim.machine.dead_letters().is_empty());
}
