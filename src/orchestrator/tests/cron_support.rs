//! Reading and writing times in the cron tests as people do: a local time
//! with its offset in, the zone's own clock (with its abbreviation, which
//! tells the two passes of a repeated hour apart) out.

use crate::orchestrator::clock::Millis;
use crate::orchestrator::cron::next_runs;
use chrono::{DateTime, TimeZone};
use chrono_tz::Tz;

/// `"2027-03-28T01:00:00+01:00"` as epoch milliseconds.
pub fn at(rfc3339: &str) -> Millis {
    DateTime::parse_from_rfc3339(rfc3339).unwrap().timestamp_millis()
}

/// An instant as the clock in `zone` shows it: `"2027-03-28 03:00:00 CEST"`.
pub fn shown(zone: &str, instant: Millis) -> String {
    let zone: Tz = zone.parse().unwrap();
    zone.timestamp_millis_opt(instant).unwrap().to_string()
}

/// The next `count` runs of `expression` after `from`, as `zone`'s clock shows them.
pub fn runs(expression: &str, zone: &str, from: &str, count: usize) -> Vec<String> {
    next_runs(expression, zone, at(from), count).unwrap().into_iter().map(|run| shown(zone, run)).collect()
}
