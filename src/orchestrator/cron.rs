//! Cron expressions: a placeholder that understands only "every minute"
//! (`* * * * *`, or `* * * * * *` with the seconds field `0`) in UTC, enough
//! for the scheduler's own tests. The full engine replaces this file.

use super::clock::Millis;

const MINUTE_MS: Millis = 60_000;

#[derive(Clone, Debug)]
pub struct CronSchedule {
    _every_minute: (),
}

impl CronSchedule {
    pub fn parse(expression: &str, time_zone: &str) -> Result<CronSchedule, String> {
        let fields: Vec<&str> = expression.split_whitespace().collect();
        let every_minute = match fields.as_slice() {
            [minute, rest @ ..] if fields.len() == 5 => *minute == "*" && rest.iter().all(|f| *f == "*"),
            [second, minute, rest @ ..] if fields.len() == 6 => {
                *second == "0" && *minute == "*" && rest.iter().all(|f| *f == "*")
            }
            _ => false,
        };
        if !every_minute {
            return Err(format!("unsupported cron expression '{expression}'"));
        }
        if time_zone != "UTC" {
            return Err(format!("unsupported time zone '{time_zone}'"));
        }
        Ok(CronSchedule { _every_minute: () })
    }

    /// The first whole minute strictly after `after`.
    pub fn next_after(&self, after: Millis) -> Option<Millis> {
        Some((after.div_euclid(MINUTE_MS) + 1) * MINUTE_MS)
    }
}

/// The next `count` fire times after `from`.
pub fn next_runs(expression: &str, time_zone: &str, from: Millis, count: usize) -> Result<Vec<Millis>, String> {
    let schedule = CronSchedule::parse(expression, time_zone)?;
    let mut runs = Vec::with_capacity(count);
    let mut after = from;
    while runs.len() < count {
        match schedule.next_after(after) {
            Some(next) => {
                runs.push(next);
                after = next;
            }
            None => break,
        }
    }
    Ok(runs)
}
