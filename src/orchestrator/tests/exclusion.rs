//! Slots, priorities and `blocks`.

use super::harness::*;
use crate::orchestrator::clock::Millis;
use crate::orchestrator::JobSpec;

#[test]
fn max_concurrent_jobs_is_never_exceeded() {
    let mut sim = Sim::new(2);
    for (i, period) in [70, 110, 130, 170, 190, 230].into_iter().enumerate() {
        let spec = JobSpec { retries: 1, priority: (i % 4) as u8, ..every(period) };
        sim.register(&format!("job{i}"), spec);
    }
    sim.machine.start(sim.now).unwrap();
    let mut n = 0u64;
    let log = sim.play(T0 + 60_000, |_| {
        n += 1;
        (20 + (n * 53 % 200) as Millis, !n.is_multiple_of(5))
    });
    assert!(sim.most_slots_taken <= 2 && most_at_once(&log) <= 2);
    assert_eq!(sim.most_slots_taken, 2, "the slots were contended");
}

#[test]
fn a_free_slot_goes_to_the_highest_priority_first_then_first_come() {
    let mut sim = Sim::new(1);
    sim.register("hog", triggered());
    sim.register("low", JobSpec { priority: 0, ..triggered() });
    sim.register("normal-a", JobSpec { priority: 1, ..triggered() });
    sim.register("normal-b", JobSpec { priority: 1, ..triggered() });
    sim.register("critical", JobSpec { priority: 3, ..triggered() });
    sim.start();
    let mut run = sim.trigger("hog");
    for name in ["low", "normal-a", "normal-b", "critical"] {
        sim.trigger(name);
    }
    sim.take();
    let mut order = Vec::new();
    for _ in 0..4 {
        let start = started(&sim.succeed(run));
        order.push(start.job);
        run = start.run;
    }
    assert_eq!(order, ["critical", "normal-a", "normal-b", "low"]);
}

#[test]
fn blocks_is_symmetric() {
    let mut sim = Sim::new(4);
    sim.register("process", triggered());
    sim.register("cleanup", JobSpec { blocks: names(&["process"]), ..triggered() });
    sim.start();

    // Declared on cleanup: cleanup waits for process...
    let process = sim.trigger("process");
    sim.take();
    let cleanup = sim.trigger("cleanup");
    assert!(sim.take().is_empty());
    assert_eq!(started(&sim.succeed(process)).run, cleanup);

    // ...and process waits for cleanup.
    let process = sim.trigger("process");
    assert!(sim.take().is_empty());
    assert_eq!(started(&sim.succeed(cleanup)).run, process);
}

#[test]
fn blocked_jobs_never_overlap_over_many_runs() {
    let mut sim = Sim::new(4);
    sim.register("a", JobSpec { blocks: names(&["b"]), ..every(70) });
    sim.register("b", every(110));
    sim.register("c", JobSpec { blocks: names(&["a"]), ..every(50) });
    sim.machine.start(sim.now).unwrap();
    let mut n = 0;
    let log = sim.play(T0 + 30_000, |_| {
        n += 1;
        (15 + n % 60, true)
    });
    let (a, b, c) = (attempts_of(&log, "a"), attempts_of(&log, "b"), attempts_of(&log, "c"));
    assert!(a.len() > 100 && b.len() > 100 && c.len() > 100, "{} {} {}", a.len(), b.len(), c.len());
    let overlap = |x: &[(Millis, Millis)], y: &[(Millis, Millis)]| {
        x.iter().any(|(s1, e1)| y.iter().any(|(s2, e2)| s1 < e2 && s2 < e1))
    };
    assert!(!overlap(&a, &b) && !overlap(&a, &c));
    assert!(overlap(&b, &c), "b and c exclude nothing: they do overlap");
}

#[test]
fn a_blocked_run_does_not_hold_up_the_runs_behind_it() {
    let mut sim = Sim::new(2);
    sim.register("blocker", triggered());
    sim.register("blocked", JobSpec { priority: 3, blocks: names(&["blocker"]), ..triggered() });
    sim.register("other", JobSpec { priority: 0, ..triggered() });
    sim.start();
    let blocker = sim.trigger("blocker");
    let blocked = sim.trigger("blocked");
    sim.trigger("other");
    assert_eq!(started_jobs(&sim.take()), ["blocker", "other"], "other takes the free slot");
    let outputs = sim.succeed(blocker);
    assert_eq!(started(&outputs).run, blocked);
}
