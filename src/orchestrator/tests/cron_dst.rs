//! The Vixie DST rules at the changes of Europe/Paris and America/New_York
//! (an hour) and Australia/Lord_Howe (half an hour). A fixed time skipped by
//! the clock runs at the end of the gap, a repeated one runs in the first
//! pass only; wildcards and steps follow elapsed time.

use super::cron_support::runs;
use crate::orchestrator::dst;
use chrono::{TimeDelta, TimeZone};
use chrono_tz::Tz;
use croner::Cron;
use std::str::FromStr;

const PARIS: &str = "Europe/Paris";
const NEW_YORK: &str = "America/New_York";
const LORD_HOWE: &str = "Australia/Lord_Howe";

// Paris, 2027-03-28: at 02:00 CET the clock jumps to 03:00 CEST.

#[test]
fn paris_spring_a_fixed_time_in_the_gap_runs_at_its_end() {
    let expected = ["2027-03-28 03:00:00 CEST", "2027-03-29 02:30:00 CEST", "2027-03-30 02:30:00 CEST"];
    assert_eq!(runs("30 2 * * *", PARIS, "2027-03-27T12:00:00+01:00", 3), expected);
    assert_eq!(runs("0 30 2 * * *", PARIS, "2027-03-27T12:00:00+01:00", 3), expected);
}

#[test]
fn paris_spring_listed_and_ranged_fixed_times_in_the_gap_run_once_at_its_end() {
    let from = "2027-03-27T15:00:00+01:00";
    assert_eq!(
        runs("30 2,14 * * *", PARIS, from, 3),
        ["2027-03-28 03:00:00 CEST", "2027-03-28 14:30:00 CEST", "2027-03-29 02:30:00 CEST"]
    );
    assert_eq!(runs("15,45 2 * * *", PARIS, from, 2), ["2027-03-28 03:00:00 CEST", "2027-03-29 02:15:00 CEST"]);
    // 02:00 is skipped and 03:00 is the end of the gap: one run, not two.
    assert_eq!(
        runs("0 1-3 * * *", PARIS, from, 3),
        ["2027-03-28 01:00:00 CET", "2027-03-28 03:00:00 CEST", "2027-03-29 01:00:00 CEST"]
    );
}

#[test]
fn paris_spring_wildcards_and_steps_follow_elapsed_time() {
    assert_eq!(
        runs("30 * * * *", PARIS, "2027-03-28T00:00:00+01:00", 4),
        ["2027-03-28 00:30:00 CET", "2027-03-28 01:30:00 CET", "2027-03-28 03:30:00 CEST", "2027-03-28 04:30:00 CEST"]
    );
    assert_eq!(
        runs("*/15 * * * *", PARIS, "2027-03-28T01:30:00+01:00", 3),
        ["2027-03-28 01:45:00 CET", "2027-03-28 03:00:00 CEST", "2027-03-28 03:15:00 CEST"]
    );
    // A fixed hour with a wildcard minute is a wildcard job: the hour is gone.
    assert_eq!(runs("* 2 * * *", PARIS, "2027-03-27T12:00:00+01:00", 1), ["2027-03-29 02:00:00 CEST"]);
    // Likewise a wildcard or step in the seconds of a 6-field expression.
    assert_eq!(
        runs("*/20 30 2 * * *", PARIS, "2027-03-27T12:00:00+01:00", 2),
        ["2027-03-29 02:30:00 CEST", "2027-03-29 02:30:20 CEST"]
    );
}

// Paris, 2027-10-31: at 03:00 CEST the clock goes back to 02:00 CET.

#[test]
fn paris_fall_a_fixed_time_runs_in_the_first_pass_only() {
    let from = "2027-10-30T15:00:00+02:00";
    assert_eq!(
        runs("30 2 * * *", PARIS, from, 3),
        ["2027-10-31 02:30:00 CEST", "2027-11-01 02:30:00 CET", "2027-11-02 02:30:00 CET"]
    );
    assert_eq!(
        runs("30 2,14 * * *", PARIS, from, 3),
        ["2027-10-31 02:30:00 CEST", "2027-10-31 14:30:00 CET", "2027-11-01 02:30:00 CET"]
    );
    assert_eq!(
        runs("0 1-3 * * *", PARIS, from, 4),
        ["2027-10-31 01:00:00 CEST", "2027-10-31 02:00:00 CEST", "2027-10-31 03:00:00 CET", "2027-11-01 01:00:00 CET"]
    );
}

#[test]
fn paris_fall_every_15_minutes_runs_8_times_in_the_two_passes_of_the_repeated_hour() {
    let quarter_hours = runs("*/15 * * * *", PARIS, "2027-10-31T01:59:59+02:00", 9);
    assert_eq!(
        quarter_hours,
        [
            "2027-10-31 02:00:00 CEST",
            "2027-10-31 02:15:00 CEST",
            "2027-10-31 02:30:00 CEST",
            "2027-10-31 02:45:00 CEST",
            "2027-10-31 02:00:00 CET",
            "2027-10-31 02:15:00 CET",
            "2027-10-31 02:30:00 CET",
            "2027-10-31 02:45:00 CET",
            "2027-10-31 03:00:00 CET",
        ]
    );
}

#[test]
fn paris_fall_wildcards_run_in_both_passes() {
    assert_eq!(
        runs("30 * * * *", PARIS, "2027-10-31T01:00:00+02:00", 4),
        ["2027-10-31 01:30:00 CEST", "2027-10-31 02:30:00 CEST", "2027-10-31 02:30:00 CET", "2027-10-31 03:30:00 CET"]
    );
    let every_minute_of_two = runs("* 2 * * *", PARIS, "2027-10-31T01:59:59+02:00", 121);
    assert_eq!(every_minute_of_two[59], "2027-10-31 02:59:00 CEST");
    assert_eq!(every_minute_of_two[60], "2027-10-31 02:00:00 CET");
    assert_eq!(every_minute_of_two[119], "2027-10-31 02:59:00 CET");
    assert_eq!(every_minute_of_two[120], "2027-11-01 02:00:00 CET");
}

#[test]
fn paris_fall_from_inside_the_second_pass() {
    let second_pass = "2027-10-31T02:10:00+01:00";
    assert_eq!(runs("30 2 * * *", PARIS, second_pass, 1), ["2027-11-01 02:30:00 CET"]);
    assert_eq!(runs("0,45 2 * * *", PARIS, second_pass, 1), ["2027-11-01 02:00:00 CET"]);
    assert_eq!(runs("30 2,3 * * *", PARIS, second_pass, 1), ["2027-10-31 03:30:00 CET"]);
    assert_eq!(runs("30 * * * *", PARIS, second_pass, 1), ["2027-10-31 02:30:00 CET"]);
    // From inside the first pass, the second is still to come for wildcards.
    assert_eq!(
        runs("0 * * * *", PARIS, "2027-10-31T02:10:00+02:00", 2),
        ["2027-10-31 02:00:00 CET", "2027-10-31 03:00:00 CET"]
    );
}

// New York, 2027-03-14 (a Sunday): 02:00 EST jumps to 03:00 EDT.
// 2027-11-07: 02:00 EDT goes back to 01:00 EST.

#[test]
fn new_york_spring() {
    let from = "2027-03-13T12:00:00-05:00";
    assert_eq!(runs("30 2 * * *", NEW_YORK, from, 2), ["2027-03-14 03:00:00 EDT", "2027-03-15 02:30:00 EDT"]);
    // The end of the gap is still on the Sunday the pattern asks for.
    assert_eq!(runs("0 2 * * SUN", NEW_YORK, from, 2), ["2027-03-14 03:00:00 EDT", "2027-03-21 02:00:00 EDT"]);
    assert_eq!(
        runs("*/30 * * * *", NEW_YORK, "2027-03-14T01:00:00-05:00", 3),
        ["2027-03-14 01:30:00 EST", "2027-03-14 03:00:00 EDT", "2027-03-14 03:30:00 EDT"]
    );
}

#[test]
fn new_york_fall() {
    assert_eq!(
        runs("30 1 * * *", NEW_YORK, "2027-11-06T12:00:00-04:00", 2),
        ["2027-11-07 01:30:00 EDT", "2027-11-08 01:30:00 EST"]
    );
    assert_eq!(
        runs("*/30 * * * *", NEW_YORK, "2027-11-07T00:45:00-04:00", 6),
        [
            "2027-11-07 01:00:00 EDT",
            "2027-11-07 01:30:00 EDT",
            "2027-11-07 01:00:00 EST",
            "2027-11-07 01:30:00 EST",
            "2027-11-07 02:00:00 EST",
            "2027-11-07 02:30:00 EST",
        ]
    );
}

// Lord Howe Island, 2027-10-03: 02:00 (+10:30) jumps to 02:30 (+11).
// 2027-04-04: 02:00 (+11) goes back to 01:30 (+10:30).

#[test]
fn lord_howe_spring_a_half_hour_gap() {
    let from = "2027-10-02T12:00:00+10:30";
    assert_eq!(runs("15 2 * * *", LORD_HOWE, from, 2), ["2027-10-03 02:30:00 +11", "2027-10-04 02:15:00 +11"]);
    assert_eq!(runs("45 2 * * *", LORD_HOWE, from, 1), ["2027-10-03 02:45:00 +11"]);
    assert_eq!(runs("0,15 2 * * *", LORD_HOWE, from, 2), ["2027-10-03 02:30:00 +11", "2027-10-04 02:00:00 +11"]);
    assert_eq!(
        runs("*/10 * * * *", LORD_HOWE, "2027-10-03T01:45:00+10:30", 3),
        ["2027-10-03 01:50:00 +1030", "2027-10-03 02:30:00 +11", "2027-10-03 02:40:00 +11"]
    );
}

#[test]
fn lord_howe_fall_a_half_hour_overlap() {
    let from = "2027-04-03T12:00:00+11:00";
    assert_eq!(runs("45 1 * * *", LORD_HOWE, from, 2), ["2027-04-04 01:45:00 +11", "2027-04-05 01:45:00 +1030"]);
    assert_eq!(
        runs("0,30 1 * * *", LORD_HOWE, from, 3),
        ["2027-04-04 01:00:00 +11", "2027-04-04 01:30:00 +11", "2027-04-05 01:00:00 +1030"]
    );
    assert_eq!(
        runs("*/10 * * * *", LORD_HOWE, "2027-04-04T01:25:00+11:00", 7),
        [
            "2027-04-04 01:30:00 +11",
            "2027-04-04 01:40:00 +11",
            "2027-04-04 01:50:00 +11",
            "2027-04-04 01:30:00 +1030",
            "2027-04-04 01:40:00 +1030",
            "2027-04-04 01:50:00 +1030",
            "2027-04-04 02:00:00 +1030",
        ]
    );
}

/// Lists and ranges of fixed times are searched by `dst`, single fixed times
/// by croner itself: on single fixed times, both must agree everywhere around
/// the changes, from every start.
#[test]
fn the_wall_clock_search_agrees_with_croner_on_single_fixed_times() {
    let changes = [
        (PARIS, [(2027, 3, 28), (2027, 10, 31)]),
        (NEW_YORK, [(2027, 3, 14), (2027, 11, 7)]),
        (LORD_HOWE, [(2027, 10, 3), (2027, 4, 4)]),
    ];
    for (zone_name, days) in changes {
        let zone: Tz = zone_name.parse().unwrap();
        for (year, month, day) in days {
            let midnight = zone.with_ymd_and_hms(year, month, day, 0, 0, 0).single().unwrap();
            for hour in 0..4 {
                for minute in [0, 15, 30, 45] {
                    let expression = format!("{minute} {hour} * * *");
                    let cron = Cron::from_str(&expression).unwrap();
                    for step in -12..=36 {
                        let start = midnight + TimeDelta::minutes(10 * step);
                        assert_eq!(
                            dst::next_fixed_time_after(&cron, &start),
                            cron.find_next_occurrence(&start, false).ok(),
                            "{expression} in {zone_name} after {start}"
                        );
                    }
                }
            }
        }
    }
}
