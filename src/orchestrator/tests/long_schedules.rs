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

/// A year of a daily 03:00 job in Europe/Paris, run by the machine as the
/// driver would run it: every run starts at 03:00 on the zone's clock, on
/// consecutive days, across both DST changes, with no tick missed or doubled.
#[test]
fn a_year_of_a_daily_cron_job_in_paris_runs_at_three_every_day() {
    use super::cron_support::{at, shown};
    use crate::orchestrator::{CronSchedule, JobSpec, Schedule};

    let began = Instant::now();
    let mut sim = Sim::new(1);
    sim.now = at("2027-01-01T00:00:00+01:00");
    let schedule = Schedule::Cron(Box::new(CronSchedule::parse("0 3 * * *", "Europe/Paris").unwrap()));
    sim.register("nightly", JobSpec { schedule, ..cron("* * * * *") });
    sim.start();
    let mut clocks = Vec::new();
    for _ in 0..365 {
        let start = started(&sim.jump_to_next_deadline());
        clocks.push(shown("Europe/Paris", sim.now));
        sim.advance_by(20 * 60_000);
        sim.succeed(start.run);
    }
    assert!(clocks.iter().all(|clock| clock.contains(" 03:00:00 ")), "{clocks:?}");
    let mut days: Vec<&str> = clocks.iter().map(|clock| &clock[..10]).collect();
    assert_eq!((days[0], days[364]), ("2027-01-01", "2027-12-31"));
    days.dedup();
    assert_eq!(days.len(), 365, "one run a day");
    for around_a_change in
        ["2027-03-27 03:00:00 CET", "2027-03-28 03:00:00 CEST", "2027-10-30 03:00:00 CEST", "2027-10-31 03:00:00 CET"]
    {
        assert!(clocks.iter().any(|clock| clock == around_a_change), "{around_a_change}");
    }
    assert_eq!(sim.machine.status().jobs[0].successes, 365);
    assert!(began.elapsed() < Duration::from_secs(2), "{:?}", began.elapsed());
}
