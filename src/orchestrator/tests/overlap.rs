//! A job never overlaps itself, and missed ticks never pile up.

use super::harness::*;
use crate::orchestrator::machine::{Output, SkipReason};

#[test]
fn a_tick_that_finds_the_job_running_is_skipped_as_overlap() {
    let mut sim = Sim::new(4);
    sim.register("slow", every(100));
    sim.start();
    let run = started(&sim.jump_to_next_deadline()).run;
    assert_eq!(sim.jump_to_next_deadline(), [skipped("slow", SkipReason::Overlap)]);
    assert_eq!(sim.jump_to_next_deadline(), [skipped("slow", SkipReason::Overlap)]);
    sim.advance_by(50);
    sim.succeed(run);
    assert_eq!(started(&sim.jump_to_next_deadline()).job, "slow");
    assert_eq!(sim.now, T0 + 400);
}

#[test]
fn a_start_the_host_has_not_taken_yet_counts_as_running() {
    let mut sim = Sim::new(4);
    sim.register("job", every(100));
    sim.start();
    // Two ticks pass before the host reads anything.
    sim.machine.advance(T0 + 100);
    sim.machine.advance(T0 + 200);
    let outputs = sim.take();
    assert_eq!(starts(&outputs).len(), 1);
    assert_eq!(outputs[1], skipped("job", SkipReason::Overlap));
}

#[test]
fn missed_ticks_coalesce_into_one_run() {
    let mut sim = Sim::new(4);
    sim.register("job", every(500));
    sim.start();
    // The host was blocked for 3 s: six grid points passed.
    let outputs = sim.advance_by(3_000);
    assert_eq!(starts(&outputs).len(), 1, "{outputs:?}");
    assert_eq!(outputs.len(), 1, "nothing else: no skip for the coalesced ticks");
    assert_eq!(sim.machine.next_deadline(), Some(T0 + 3_500), "the next grid point after now");
}

#[test]
fn missed_ticks_over_a_run_are_one_overlap_not_a_backlog() {
    let mut sim = Sim::new(4);
    sim.register("job", every(500));
    sim.start();
    let run = started(&sim.jump_to_next_deadline()).run;
    assert_eq!(sim.advance_by(3_000), [skipped("job", SkipReason::Overlap)]);
    sim.succeed(run);
    assert!(sim.take().is_empty(), "no backfill once the run ends");
    assert_eq!(starts(&sim.jump_to_next_deadline()).len(), 1);
    assert_eq!(sim.now, T0 + 4_000);
}

#[test]
fn a_tick_that_finds_a_run_still_waiting_merges_into_it() {
    let mut sim = Sim::new(1);
    sim.register("hog", triggered());
    sim.register("job", every(100));
    sim.start();
    let hog = sim.trigger("hog");
    sim.take();
    assert!(sim.jump_to_next_deadline().is_empty(), "waits for the slot");
    assert!(sim.jump_to_next_deadline().is_empty(), "merged silently");
    assert_eq!(sim.machine.status().waiting, 1);
    let outputs = sim.succeed(hog);
    assert!(matches!(outputs[0], Output::Succeeded { .. }));
    assert_eq!(started_jobs(&outputs), ["job"]);
}
