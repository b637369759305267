//! `dependsOn`.

use super::harness::*;
use crate::orchestrator::machine::status::JobState;
use crate::orchestrator::machine::{Output, SkipReason, Trigger};
use crate::orchestrator::JobSpec;

#[test]
fn a_chain_runs_in_order_each_cycle() {
    let mut sim = Sim::new(4);
    sim.register("a", JobSpec { run_on_start: true, ..every(1_000) });
    sim.register("b", JobSpec { depends_on: names(&["a"]), ..triggered() });
    sim.register("c", JobSpec { depends_on: names(&["b"]), ..triggered() });
    sim.machine.start(sim.now).unwrap();
    let log = sim.play(T0 + 9_999, |start| (100 + start.run as i64 % 50, true));
    let order: Vec<_> =
        log.iter().filter_map(|(_, output)| matches!(output, Output::Start { .. }).then_some(output)).collect();
    assert_eq!(order.len(), 30, "10 cycles of 3");
    for (i, cycle) in order.chunks(3).enumerate() {
        let jobs: Vec<_> = starts(&cycle.iter().map(|o| (*o).clone()).collect::<Vec<_>>())
            .into_iter()
            .map(|start| (start.job, start.trigger))
            .collect();
        assert_eq!(
            jobs,
            [("a".into(), Trigger::Schedule), ("b".into(), Trigger::Dependency), ("c".into(), Trigger::Dependency)],
            "cycle {i}"
        );
    }
    // Each starts only once the one before it has succeeded.
    let (a, b, c) = (attempts_of(&log, "a"), attempts_of(&log, "b"), attempts_of(&log, "c"));
    for i in 0..10 {
        assert!(a[i].1 <= b[i].0 && b[i].1 <= c[i].0);
    }
}

#[test]
fn a_scheduled_dependent_waits_for_its_dependency_then_runs() {
    let mut sim = Sim::new(4);
    sim.register("fetch", triggered());
    sim.register("process", JobSpec { depends_on: names(&["fetch"]), ..every(1_000) });
    sim.start();
    assert!(sim.jump_to_next_deadline().is_empty(), "fetch has not succeeded yet");
    assert_eq!(sim.machine.status().jobs[1].state, JobState::Waiting);
    let fetch = sim.trigger("fetch");
    assert_eq!(started_jobs(&sim.take()), ["fetch"]);
    sim.advance_by(200);
    let outputs = sim.succeed(fetch);
    let process = started_job(&outputs, "process");
    assert_eq!(process.trigger, Trigger::Schedule);
    sim.succeed(process.run);
    // Its next tick needs a new success of fetch.
    assert!(sim.jump_to_next_deadline().is_empty());
    assert_eq!(sim.machine.status().waiting, 1);
}

#[test]
fn a_failed_dependency_skips_the_waiting_tick_and_a_dependency_driven_job() {
    let mut sim = Sim::new(4);
    sim.register("fetch", triggered());
    sim.register("process", JobSpec { depends_on: names(&["fetch"]), ..every(1_000) });
    sim.register("report", JobSpec { depends_on: names(&["fetch"]), ..triggered() });
    sim.start();
    sim.jump_to_next_deadline();
    let fetch = sim.trigger("fetch");
    sim.take();
    let outputs = sim.fail(fetch, "no network");
    assert_eq!(
        outputs[outputs.len() - 2..],
        [skipped("process", SkipReason::DependencyFailed), skipped("report", SkipReason::DependencyFailed)]
    );
    assert_eq!(sim.machine.status().waiting, 0, "the waiting tick was dropped");
}

#[test]
fn a_dependent_never_runs_while_a_dependency_runs_nor_the_reverse() {
    let mut sim = Sim::new(4);
    sim.register("fetch", triggered());
    sim.register("process", JobSpec { depends_on: names(&["fetch"]), ..every(1_000) });
    sim.start();
    let fetch = sim.trigger("fetch");
    sim.take();
    sim.succeed(fetch);
    // Satisfied, but fetch runs again when process's tick comes: it waits.
    let fetch = sim.trigger("fetch");
    sim.take();
    assert!(sim.jump_to_next_deadline().is_empty());
    let process = started(&sim.succeed(fetch));
    assert_eq!(process.job, "process");
    // And fetch does not start while process runs.
    let fetch = sim.trigger("fetch");
    assert!(sim.take().is_empty());
    assert_eq!(started(&sim.succeed(process.run)).run, fetch);
}

#[test]
fn a_manual_run_ignores_dependencies() {
    let mut sim = Sim::new(4);
    sim.register("fetch", triggered());
    sim.register("process", JobSpec { depends_on: names(&["fetch"]), ..triggered() });
    sim.start();
    let fetch = sim.trigger("fetch");
    let process = sim.trigger("process");
    let outputs = sim.take();
    assert_eq!(starts(&outputs).iter().map(|s| s.run).collect::<Vec<_>>(), [fetch, process]);
}

#[test]
fn start_names_unknown_dependencies_and_cycles() {
    let mut sim = Sim::new(4);
    sim.register("a", JobSpec { depends_on: names(&["ghost", "b"]), ..triggered() });
    sim.register("b", JobSpec { depends_on: names(&["phantom"]), ..triggered() });
    let error = sim.machine.start(sim.now).unwrap_err();
    assert!(error.contains("'ghost'") && error.contains("'phantom'"), "{error}");
    assert_eq!(sim.machine.status().state.as_str(), "stopped");

    // A misspelt name in `blocks` would drop a mutual exclusion silently.
    let mut sim = Sim::new(4);
    sim.register("cleanup", JobSpec { blocks: names(&["proces-data"]), ..triggered() });
    sim.register("process-data", triggered());
    let error = sim.machine.start(sim.now).unwrap_err();
    assert!(error.contains("'proces-data' (in the blocks of 'cleanup')"), "{error}");

    let mut sim = Sim::new(4);
    sim.register("a", JobSpec { depends_on: names(&["c"]), ..triggered() });
    sim.register("b", JobSpec { depends_on: names(&["a"]), ..triggered() });
    sim.register("c", JobSpec { depends_on: names(&["b"]), ..triggered() });
    let error = sim.machine.start(sim.now).unwrap_err();
    assert!(error.contains("a -> c -> b -> a"), "{error}");

    let mut sim = Sim::new(4);
    sim.register("selfish", JobSpec { depends_on: names(&["selfish"]), ..triggered() });
    assert!(sim.machine.start(sim.now).unwrap_err().contains("selfish -> selfish"));
}

#[test]
fn on_a_running_orchestrator_register_and_unregister_keep_the_graph_whole() {
    let mut sim = Sim::new(4);
    sim.register("a", triggered());
    sim.start();
    let unknown = sim.machine.register("b", JobSpec { depends_on: names(&["x"]), ..triggered() }, sim.now);
    assert!(unknown.unwrap_err().contains("'x'"));
    sim.register("b", JobSpec { depends_on: names(&["a"]), ..triggered() });
    assert!(sim.machine.unregister("a", sim.now).unwrap_err().contains("'b'"));
    sim.machine.unregister("b", sim.now).unwrap();
    sim.machine.unregister("a", sim.now).unwrap();
    assert!(sim.machine.status().jobs.is_empty());
}
