//! Long simulated schedules run in milliseconds of test time.

use std::time::{Duration, Instant};

use super::harness::*;

#[test]
fn ten_thousand_ticks_of_an_every_job_stay_on_the_grid() {
    let began = Instant::now();
    let mut sim = Sim::new(4);
    sim.register("job", every(60_000));
    sim.start();
    for tick in 1..=10_000 {
        let start = started(&sim.jump_to_next_deadline());
        assert_eq!(sim.now, T0 + tick * 60_000);
        sim.advance_by(1 + tick % 50_000);
        sim.succeed(start.run);
    }
    assert_eq!(sim.machine.status().jobs[0].successes, 10_000);
    assert!(began.elapsed() < Duration::from_secs(2), "{:?}", began.elapsed());
}

#[test]
fn a_week_of_a_busy_orchestrator_keeps_every_job_on_its_schedule() {
    let began = Instant::now();
    let mut sim = Sim::new(2);
    sim.register("minutely", cron("* * * * *"));
    sim.register("fast", every(15_000));
    sim.register("chained", crate::orchestrator::JobSpec { depends_on: names(&["fast"]), ..triggered() });
    sim.machine.start(sim.now).unwrap();
    let week = 7 * 24 * 3_600_000;
    let log = sim.play(T0 + week, |start| (if start.job == "chained" { 2_000 } else { 5_000 }, true));
    assert_eq!(attempts_of(&log, "minutely").len(), 7 * 24 * 60);
    // The last tick falls on the week's end: its run is still out.
    assert_eq!(attempts_of(&log, "fast").len(), week as usize / 15_000 - 1);
    assert_eq!(attempts_of(&log, "chained").len(), week as usize / 15_000 - 1);
    assert!(began.elapsed() < Duration::from_secs(10), "{:?}", began.elapsed());
}
