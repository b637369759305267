//! Daylight saving time, the Vixie cron way.
//!
//! When the clock jumps forward an hour (half an hour on Lord Howe Island),
//! the wall-clock times in between never happen; when it falls back, an hour
//! of them happens twice. Vixie cron sorts jobs in two kinds:
//!
//! - a *fixed-time* job ("at 02:30") runs once a day whatever the clock does:
//!   if its time is skipped it runs at the end of the gap, and if its time is
//!   repeated it runs the first time only;
//! - a *real-time* job (`*/15`, "every hour at :30") follows elapsed time: a
//!   skipped hour has none of its runs, a repeated hour has them twice.
//!
//! croner already applies this rule, but it counts a job as fixed-time only
//! when it names a single time of day. A list or a range (`30 2,14 * * *`,
//! `0 9-17 * * *`) is a set of fixed times to Vixie cron, and to us: croner
//! would skip such a time in a gap and run it twice in an overlap, so those
//! schedules are searched here instead, on the wall clock.

use chrono::{DateTime, LocalResult, NaiveDateTime, TimeZone};
use chrono_tz::Tz;
use croner::{Cron, CronComponent};

/// Whether a cron pattern names fixed times of day.
///
/// A pattern is fixed-time when each of its time-of-day fields (hour, minute
/// and, in a 6-field expression, second) is a number, a list or a range: no
/// `*` and no step (`/`). One wildcard or step among them makes it real-time,
/// as in Vixie cron, where a job is a "wildcard" job when its minute or its
/// hour field is. A 5-field expression has an implicit second of 0, which is
/// fixed; `* 30 2 * * *` (every second of 02:30) is real-time, so it has no
/// run on a day whose 02:30 is skipped and 120 on a day whose 02:30 repeats.
/// Day, month and weekday fields play no part: they pick days, not times.
pub fn names_fixed_times(cron: &Cron) -> bool {
    let fixed = |field: &CronComponent| !field.from_wildcard && field.step <= 1;
    let pattern = &cron.pattern;
    fixed(&pattern.seconds) && fixed(&pattern.minutes) && fixed(&pattern.hours)
}

/// The first run strictly after `after` of a fixed-time schedule.
///
/// croner searches the wall clock, where a skipped or repeated hour is not
/// special; each matching wall-clock time then runs at the first instant the
/// clock shows it or a later time: the end of the gap for a skipped time, the
/// first pass for a repeated one. That map never goes backwards, so the first
/// wall-clock match whose instant lies after `after` is the answer.
pub fn next_fixed_time_after(cron: &Cron, after: &DateTime<Tz>) -> Option<DateTime<Tz>> {
    let zone = after.timezone();
    let mut wall = after.naive_local();
    loop {
        wall = cron.find_next_occurrence(&wall, false).ok()?;
        let run = first_instant_showing(zone, wall)?;
        if run > *after {
            return Some(run);
        }
        // `after` is in the second pass of a repeated hour, and this time
        // already ran in the first pass. Only the matches inside that hour
        // come here, so the loop ends within it.
    }
}

/// The first instant at which the clock of `zone` shows `wall`, or, when the
/// clock jumps over `wall`, the instant it jumps.
fn first_instant_showing(zone: Tz, wall: NaiveDateTime) -> Option<DateTime<Tz>> {
    match zone.from_local_datetime(&wall) {
        LocalResult::Single(instant) => Some(instant),
        LocalResult::Ambiguous(first_pass, _) => Some(first_pass),
        LocalResult::None => end_of_gap(zone, wall),
    }
}

/// The instant the clock jumps over `wall`: the first one whose wall clock
/// shows a later time. Found by bisection over whole seconds, within a day
/// either side (no zone is more than a day off UTC), in under 20 steps.
fn end_of_gap(zone: Tz, wall: NaiveDateTime) -> Option<DateTime<Tz>> {
    const DAY: i64 = 86_400;
    let shows_later = |second: i64| Some(zone.timestamp_opt(second, 0).single()?.naive_local() > wall);
    let wall_as_utc = wall.and_utc().timestamp();
    // Invariant: `not_yet` shows `wall` or earlier, `jumped` shows later.
    let (mut not_yet, mut jumped) = (wall_as_utc - DAY, wall_as_utc + DAY);
    while jumped - not_yet > 1 {
        let middle = not_yet + (jumped - not_yet) / 2;
        if shows_later(middle)? {
            jumped = middle;
        } else {
            not_yet = middle;
        }
    }
    zone.timestamp_opt(jumped, 0).single()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use chrono_tz::{Australia::Lord_Howe, Europe::Paris};
    use std::str::FromStr;

    fn wall(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, mo, d).unwrap().and_hms_opt(h, mi, 0).unwrap()
    }

    fn utc_seconds(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> i64 {
        wall(y, mo, d, h, mi).and_utc().timestamp()
    }

    fn fixed(expression: &str) -> bool {
        names_fixed_times(&Cron::from_str(expression).unwrap())
    }

    #[test]
    fn numbers_lists_and_ranges_are_fixed_times_wildcards_and_steps_are_not() {
        assert!(fixed("30 2 * * *"));
        assert!(fixed("0,30 2,14 * * *"));
        assert!(fixed("0 9-17 * * MON-FRI"));
        assert!(fixed("15 30 2 * * *"));
        assert!(fixed("0 0 L * *"));
        assert!(!fixed("30 * * * *"));
        assert!(!fixed("* 2 * * *"));
        assert!(!fixed("*/15 * * * *"));
        assert!(!fixed("0 */2 * * *"));
        assert!(!fixed("0-30/10 2 * * *"));
        assert!(!fixed("* 30 2 * * *"));
        assert!(!fixed("*/10 30 2 * * *"));
    }

    #[test]
    fn the_end_of_a_gap_is_the_instant_the_clock_jumps() {
        // Paris, 2027-03-28: 02:00 CET becomes 03:00 CEST at 01:00 UTC.
        let paris = end_of_gap(Paris, wall(2027, 3, 28, 2, 30)).unwrap();
        assert_eq!(paris.timestamp(), utc_seconds(2027, 3, 28, 1, 0));
        assert_eq!(paris.naive_local(), wall(2027, 3, 28, 3, 0));
        // Lord Howe, 2027-10-03: 02:00 (+10:30) becomes 02:30 (+11) at 15:30 UTC the day before.
        let lord_howe = end_of_gap(Lord_Howe, wall(2027, 10, 3, 2, 15)).unwrap();
        assert_eq!(lord_howe.timestamp(), utc_seconds(2027, 10, 2, 15, 30));
        assert_eq!(lord_howe.naive_local(), wall(2027, 10, 3, 2, 30));
    }

    #[test]
    fn a_repeated_time_runs_in_its_first_pass() {
        // Paris, 2027-10-31: 03:00 CEST becomes 02:00 CET at 01:00 UTC.
        let first = first_instant_showing(Paris, wall(2027, 10, 31, 2, 30)).unwrap();
        assert_eq!(first.timestamp(), utc_seconds(2027, 10, 31, 0, 30));
    }
}
