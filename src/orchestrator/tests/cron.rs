//! Cron expressions: fields, `L` / `W` / `#`, seconds, names and nicknames,
//! errors, and a year of daily runs.

use super::cron_support::{at, runs, shown};
use crate::orchestrator::cron::{next_runs, CronSchedule};
use std::time::{Duration, Instant};

const UTC: &str = "UTC";

#[test]
fn five_fields_start_with_the_minute_six_with_the_second() {
    let from = "2027-06-01T12:00:00Z";
    assert_eq!(runs("5 12 * * *", UTC, from, 1), ["2027-06-01 12:05:00 UTC"]);
    assert_eq!(runs("5 12 * * * *", UTC, from, 2), ["2027-06-01 12:12:05 UTC", "2027-06-01 13:12:05 UTC"]);
    assert_eq!(
        runs("*/20 * * * * *", UTC, from, 3),
        ["2027-06-01 12:00:20 UTC", "2027-06-01 12:00:40 UTC", "2027-06-01 12:01:00 UTC"]
    );
}

#[test]
fn last_day_of_the_month() {
    assert_eq!(
        runs("0 0 L * *", UTC, "2028-01-15T00:00:00Z", 3),
        ["2028-01-31 00:00:00 UTC", "2028-02-29 00:00:00 UTC", "2028-03-31 00:00:00 UTC"]
    );
    assert_eq!(
        runs("0 12 L 2 *", UTC, "2027-01-01T00:00:00Z", 2),
        ["2027-02-28 12:00:00 UTC", "2028-02-29 12:00:00 UTC"]
    );
}

#[test]
fn nearest_weekday() {
    // 2027-05-15 is a Saturday (-> Friday 14th), 2027-08-15 a Sunday (-> Monday 16th).
    assert_eq!(
        runs("0 0 15W 5,8 *", UTC, "2027-01-01T00:00:00Z", 3),
        ["2027-05-14 00:00:00 UTC", "2027-08-16 00:00:00 UTC", "2028-05-15 00:00:00 UTC"]
    );
    // 2027-05-01 is a Saturday: the nearest weekday within the month is Monday 3rd.
    assert_eq!(runs("0 0 1W 5 *", UTC, "2027-01-01T00:00:00Z", 1), ["2027-05-03 00:00:00 UTC"]);
}

#[test]
fn nth_and_last_weekday_of_the_month() {
    assert_eq!(
        runs("0 0 * * 5#2", UTC, "2027-01-01T00:00:00Z", 3),
        ["2027-01-08 00:00:00 UTC", "2027-02-12 00:00:00 UTC", "2027-03-12 00:00:00 UTC"]
    );
    // Only some months have a fifth Monday.
    assert_eq!(
        runs("0 9 * * MON#5", UTC, "2027-01-01T00:00:00Z", 3),
        ["2027-03-29 09:00:00 UTC", "2027-05-31 09:00:00 UTC", "2027-08-30 09:00:00 UTC"]
    );
    assert_eq!(
        runs("0 0 * * 5L", UTC, "2027-01-01T00:00:00Z", 3),
        ["2027-01-29 00:00:00 UTC", "2027-02-26 00:00:00 UTC", "2027-03-26 00:00:00 UTC"]
    );
}

#[test]
fn day_of_month_and_day_of_week_combine_with_or_as_in_vixie_cron() {
    assert_eq!(
        runs("0 0 1 * MON", UTC, "2027-01-26T00:00:00Z", 2),
        ["2027-02-01 00:00:00 UTC", "2027-02-08 00:00:00 UTC"]
    );
    assert_eq!(
        runs("0 0 1 * MON", UTC, "2027-01-01T00:00:00Z", 2),
        ["2027-01-04 00:00:00 UTC", "2027-01-11 00:00:00 UTC"]
    );
}

#[test]
fn names_and_nicknames() {
    assert_eq!(
        runs("0 9 * JAN,JUL MON-FRI", UTC, "2027-01-29T12:00:00Z", 2),
        ["2027-07-01 09:00:00 UTC", "2027-07-02 09:00:00 UTC"]
    );
    assert_eq!(runs("@daily", "Europe/Paris", "2027-06-01T12:00:00+02:00", 1), ["2027-06-02 00:00:00 CEST"]);
    assert_eq!(runs("@weekly", UTC, "2027-06-01T12:00:00Z", 1), ["2027-06-06 00:00:00 UTC"]);
    assert_eq!(runs("@hourly", UTC, "2027-06-01T12:00:00Z", 1), ["2027-06-01 13:00:00 UTC"]);
}

#[test]
fn a_bad_expression_is_an_error_naming_it() {
    for expression in [
        "",
        "bad",
        "* * * *",
        "0 0 1 1 * 2027",
        "60 * * * *",
        "0 24 * * *",
        "0 0 32 * *",
        "0 0 * 13 *",
        "0 0 * * 8",
        "@reboot",
    ] {
        let error = CronSchedule::parse(expression, UTC).unwrap_err();
        assert!(error.starts_with(&format!("invalid cron expression \"{expression}\"")), "{error}");
    }
}

#[test]
fn an_unknown_time_zone_is_an_error_naming_it() {
    for zone in ["", "Mars/Olympus_Mons", "Europe/Pariss", "+02:00"] {
        let error = CronSchedule::parse("0 3 * * *", zone).unwrap_err();
        assert!(error.starts_with(&format!("unknown time zone \"{zone}\"")), "{error}");
    }
    assert!(next_runs("0 3 * * *", "Nowhere", 0, 1).is_err());
}

#[test]
fn an_expression_that_never_matches_has_no_next_run() {
    let started = Instant::now();
    assert_eq!(next_runs("0 0 30 2 *", UTC, at("2027-01-01T00:00:00Z"), 3), Ok(vec![]));
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[test]
fn the_next_run_is_strictly_after_and_on_a_whole_second() {
    let every_second = CronSchedule::parse("* * * * * *", UTC).unwrap();
    let noon = at("2027-06-01T12:00:00Z");
    assert_eq!(every_second.next_after(noon), Some(noon + 1000));
    assert_eq!(every_second.next_after(noon + 1), Some(noon + 1000));
    assert_eq!(every_second.next_after(noon + 999), Some(noon + 1000));
    assert_eq!(every_second.next_after(noon - 1), Some(noon));
    // Before 1970 too.
    let new_year = CronSchedule::parse("0 0 1 1 *", UTC).unwrap();
    assert_eq!(new_year.next_after(at("1969-06-01T00:00:00Z")), Some(0));
    assert_eq!(next_runs("* * * * *", UTC, noon, 0), Ok(vec![]));
}

/// A year (and a leap year) of a job at 03:00 in Paris: every run at 03:00
/// local time on consecutive days, across both changes of offset each year.
#[test]
fn two_years_of_a_daily_job_at_3_in_paris() {
    let schedule = CronSchedule::parse("0 3 * * *", "Europe/Paris").unwrap();
    let started = Instant::now();
    let mut runs = Vec::new();
    let mut after = at("2027-01-01T00:00:00+01:00");
    while let Some(run) = schedule.next_after(after).filter(|&run| run < at("2029-01-01T00:00:00+01:00")) {
        runs.push(run);
        after = run;
    }
    let elapsed = started.elapsed();
    assert_eq!(runs.len(), 365 + 366);

    let shown: Vec<String> = runs.iter().map(|&run| shown("Europe/Paris", run)).collect();
    assert!(shown.iter().all(|run| run[10..].starts_with(" 03:00:00 CE")), "{shown:?}");
    let mut day = chrono::NaiveDate::from_ymd_opt(2027, 1, 1).unwrap();
    for run in &shown {
        assert_eq!(run[..10], day.to_string());
        day = day.succ_opt().unwrap();
    }
    let offset_changes = shown.windows(2).filter(|pair| pair[0].ends_with("CEST") != pair[1].ends_with("CEST"));
    assert_eq!(offset_changes.count(), 4);
    assert_eq!(shown.iter().filter(|run| run.ends_with("CEST")).count(), 217 + 217);
    assert!(elapsed < Duration::from_millis(500), "{elapsed:?}");
}
