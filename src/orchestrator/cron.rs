//! Cron schedules in an IANA time zone.
//!
//! croner parses the expression (5 fields, or 6 with seconds first; `L`, `W`,
//! `#`, names and `@daily`-style nicknames; day of month and day of week
//! combine with OR, as in Vixie cron) and searches for matches; chrono-tz
//! supplies the zone. Daylight saving time follows Vixie cron: see `dst.rs`
//! for the rule and for the one case croner does not cover itself.

use super::clock::Millis;
use super::dst;
use chrono::{DateTime, TimeZone};
use chrono_tz::Tz;
use croner::parser::{CronParser, Seconds, Year};
use croner::{Cron, JobType};

/// A parsed cron expression bound to its time zone.
#[derive(Clone, Debug)]
pub struct CronSchedule {
    cron: Cron,
    zone: Tz,
    search: Search,
}

/// Who finds the next run, so that it honours the Vixie DST rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Search {
    /// croner's zoned search already applies the rule: real-time schedules,
    /// and fixed-time ones with a single time of day.
    Croner,
    /// Several fixed times of day (a list or a range), which croner would
    /// treat as real-time: searched on the wall clock by `dst`.
    FixedTimesOfDay,
}

impl CronSchedule {
    /// Parses `expression` (5 fields, minute first, or 6, second first) for
    /// the IANA zone `time_zone`. The error names what is wrong.
    ///
    /// An expression that can never match (`0 0 30 2 *`) parses; it simply
    /// has no next run.
    pub fn parse(expression: &str, time_zone: &str) -> Result<CronSchedule, String> {
        let zone: Tz = time_zone
            .parse()
            .map_err(|_| format!("unknown time zone \"{time_zone}\" (expected an IANA name such as Europe/Paris)"))?;
        let cron = CronParser::builder()
            .seconds(Seconds::Optional)
            .year(Year::Disallowed)
            .build()
            .parse(expression)
            .map_err(|error| format!("invalid cron expression \"{expression}\": {error}"))?;
        let search = if dst::names_fixed_times(&cron) && cron.determine_job_type() != JobType::FixedTime {
            Search::FixedTimesOfDay
        } else {
            Search::Croner
        };
        Ok(CronSchedule { cron, zone, search })
    }

    /// The first run strictly after `after`, on a whole second, or `None`
    /// when the expression matches no later time.
    pub fn next_after(&self, after: Millis) -> Option<Millis> {
        // Runs fall on whole seconds, so the first one after `after` is also
        // the first one after the start of its second.
        let after: DateTime<Tz> = self.zone.timestamp_opt(after.div_euclid(1000), 0).single()?;
        let next = match self.search {
            Search::Croner => self.cron.find_next_occurrence(&after, false).ok()?,
            Search::FixedTimesOfDay => dst::next_fixed_time_after(&self.cron, &after)?,
        };
        // A scheduler loops on this answer: it must move forward.
        (next > after).then(|| next.timestamp_millis())
    }
}

/// The next `count` runs of `expression` in `time_zone` after `from`, as the
/// scheduler would run them (`Orchestrator.nextRuns`). Fewer when the
/// expression runs out of matches.
pub fn next_runs(expression: &str, time_zone: &str, from: Millis, count: usize) -> Result<Vec<Millis>, String> {
    let schedule = CronSchedule::parse(expression, time_zone)?;
    let runs = std::iter::successors(schedule.next_after(from), |&run| schedule.next_after(run));
    Ok(runs.take(count).collect())
}
