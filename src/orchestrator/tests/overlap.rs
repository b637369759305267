//! A job never overlaps itself, and missed ticks never pile up.

use super::harness::*;
use crate::orchestrator::machine::{Output, SkipReason};
use crate::orchestrator::JobSpec;

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
fn a_start_the_host_has_not_taken_yet_absorbs_later_ticks_and_begins_when_taken() {
    let mut sim = Sim::new(4);
    sim.register("job", JobSpec { timeout_ms: 300, enforce_timeout: true, ..every(100) });
    sim.start();
    // Three ticks pass before the host (its event loop blocked) reads anything.
    sim.machine.advance(T0 + 100);
    sim.machine.advance(T0 + 200);
    sim.machine.advance(T0 + 300);
    sim.now = T0 + 350;
    let outputs = sim.take();
    assert_eq!(starts(&outputs).len(), 1, "one run, and no skip for the ticks it absorbed: {outputs:?}");
    assert_eq!(outputs.len(), 1);
    // Its clock starts when it is taken: the enforced timeout is 300 ms from there.
    assert_eq!(sim.machine.status().jobs[0].last_run_at, Some(T0 + 350));
    assert_eq!(sim.machine.next_deadline(), Some(T0 + 400), "the next tick");
    // Once begun, a tick is an overlap; the timeout counts from T0 + 350, not T0 + 100.
    assert_eq!(sim.advance_to(T0 + 649), [skipped("job", SkipReason::Overlap)], "the ticks passed, as one");
    let outputs = sim.advance_to(T0 + 650);
    assert!(matches!(outputs[0], Output::Abort { timed_out: true, .. }), "{outputs:?}");
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
