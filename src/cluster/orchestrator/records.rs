//! A job's record and a dead letter as Redis keeps them. A job's record is
//! one string, a field of the `jobs` hash (so that a step that changes a
//! thousand jobs stores them with one command): its values in a fixed order,
//! separated by the unit separator (US, `\u{1f}`), `''` for none, the error
//! message (free text) last. A dead letter is a hash of its own, a field per
//! value, which `commit.lua` takes in the order of its `LETTER_FIELDS`,
//! repeated here.

use std::collections::HashMap;
use std::fmt::Display;
use std::str::FromStr;

use crate::orchestrator::machine::durable::{BreakerRecord, JobRecord};
use crate::orchestrator::DeadLetter;

#[cfg(test)]
const LETTER_FIELDS: [&str; 5] = ["job", "run", "error", "attempts", "failedAt"];

fn opt<T: Display>(value: Option<T>) -> String {
    value.map_or_else(String::new, |value| value.to_string())
}

fn flag(value: bool) -> String {
    if value { "1" } else { "0" }.to_owned()
}

const SEPARATOR: char = '\u{1f}';
/// Values before the error message, which is last.
const JOB_VALUES: usize = 15;

/// A job's record as one string.
pub fn job_record(record: &JobRecord) -> String {
    let (breaker, until) = match record.breaker {
        BreakerRecord::Closed => ("closed", None),
        BreakerRecord::Open { until } => ("open", Some(until)),
        BreakerRecord::HalfOpen => ("halfOpen", None),
    };
    let values: [String; JOB_VALUES + 1] = [
        flag(record.enabled),
        flag(record.disabled_by_failures),
        breaker.to_owned(),
        opt(until),
        record.anchor.to_string(),
        opt(record.ticks_done),
        record.runs.to_string(),
        record.successes.to_string(),
        record.failures.to_string(),
        record.consecutive_failures.to_string(),
        opt(record.last_run_at),
        opt(record.last_success_at),
        opt(record.last_duration_ms),
        opt(record.last_started),
        opt(record.last_succeeded),
        // None is '-', an error message is '=' and the message.
        record.last_error.as_ref().map_or_else(|| "-".to_owned(), |error| format!("={error}")),
    ];
    values.join(&SEPARATOR.to_string())
}

/// A job's record read back from `job_record`'s string.
pub fn parse_job_record(text: &str) -> Result<JobRecord, String> {
    let values: Vec<&str> = text.splitn(JOB_VALUES + 1, SEPARATOR).collect();
    if values.len() != JOB_VALUES + 1 {
        return Err(format!("a job's record has {} values, not {}", values.len(), JOB_VALUES + 1));
    }
    let number = |at: usize, what: &str| -> Result<i64, String> {
        values[at].parse().map_err(|_| format!("{what} is not a number: '{}'", values[at]))
    };
    let optional = |at: usize, what: &str| -> Result<Option<i64>, String> {
        if values[at].is_empty() {
            Ok(None)
        } else {
            number(at, what).map(Some)
        }
    };
    let breaker = match values[2] {
        "closed" => BreakerRecord::Closed,
        "open" => BreakerRecord::Open { until: number(3, "breakerUntil")? },
        "halfOpen" => BreakerRecord::HalfOpen,
        other => return Err(format!("unknown breaker state '{other}'")),
    };
    let last_error = match values[JOB_VALUES] {
        "-" => None,
        error => Some(error.strip_prefix('=').ok_or("a malformed error message")?.to_owned()),
    };
    let count = |at: usize, what: &str| number(at, what).map(|value| value.max(0) as u64);
    Ok(JobRecord {
        enabled: values[0] == "1",
        disabled_by_failures: values[1] == "1",
        breaker,
        anchor: number(4, "anchor")?,
        ticks_done: optional(5, "ticksDone")?,
        runs: count(6, "runs")?,
        successes: count(7, "successes")?,
        failures: count(8, "failures")?,
        consecutive_failures: count(9, "consecutiveFailures")? as u32,
        last_run_at: optional(10, "lastRunAt")?,
        last_success_at: optional(11, "lastSuccessAt")?,
        last_duration_ms: optional(12, "lastDurationMs")?.map(|ms| ms.max(0) as u64),
        last_started: optional(13, "lastStarted")?.map(|order| order.max(0) as u64),
        last_succeeded: optional(14, "lastSucceeded")?.map(|order| order.max(0) as u64),
        last_error,
    })
}

/// The values of `LETTER_FIELDS`, in order.
pub fn letter_values(letter: &DeadLetter) -> [String; 5] {
    [
        letter.job.clone(),
        letter.run.to_string(),
        letter.error.clone(),
        letter.attempts.to_string(),
        letter.failed_at.to_string(),
    ]
}

/// A hash's fields, read.
pub struct Fields(pub HashMap<String, String>);

impl Fields {
    fn text(&self, name: &str) -> Result<&str, String> {
        self.0.get(name).map(String::as_str).ok_or_else(|| format!("no field '{name}'"))
    }

    fn number<T: FromStr>(&self, name: &str) -> Result<T, String> {
        let text = self.text(name)?;
        text.parse().map_err(|_| format!("field '{name}' is not a number: '{text}'"))
    }

    pub fn dead_letter(&self) -> Result<DeadLetter, String> {
        Ok(DeadLetter {
            id: self.number("id")?,
            job: self.text("job")?.to_owned(),
            run: self.number("run")?,
            error: self.text("error")?.to_owned(),
            attempts: self.number("attempts")?,
            failed_at: self.number("failedAt")?,
        })
    }

    /// A field kept by the leader's JavaScript (a letter's payload), if any.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(names: &[&str], values: &[String]) -> Fields {
        Fields(names.iter().map(|name| name.to_string()).zip(values.iter().cloned()).collect())
    }

    #[test]
    fn a_job_record_reads_back_as_written() {
        let record = JobRecord {
            enabled: false,
            disabled_by_failures: true,
            breaker: BreakerRecord::Open { until: 1_700_000_000_500 },
            anchor: 1_700_000_000_000,
            ticks_done: Some(1_700_000_000_400),
            runs: 9,
            successes: 4,
            failures: 5,
            consecutive_failures: 5,
            last_run_at: Some(1_700_000_000_400),
            last_success_at: None,
            last_error: Some(String::new()),
            last_duration_ms: Some(12),
            last_started: Some(40),
            last_succeeded: None,
        };
        assert_eq!(parse_job_record(&job_record(&record)), Ok(record.clone()));
        let with_error = JobRecord { last_error: Some("a\u{1f}b\nc".into()), ..record };
        assert_eq!(parse_job_record(&job_record(&with_error)), Ok(with_error));
    }

    #[test]
    fn the_letter_fields_are_in_the_order_commit_lua_takes_them() {
        let prelude = include_str!("scripts/prelude.lua");
        let quoted: Vec<String> = LETTER_FIELDS.iter().map(|name| format!("'{name}'")).collect();
        let in_lua: String = prelude.split_whitespace().collect();
        assert!(in_lua.contains(&format!("LETTER_FIELDS={{{}}}", quoted.join(","))));
    }

    #[test]
    fn a_dead_letter_reads_back_as_written() {
        let letter = DeadLetter { id: 3, job: "a\nb".into(), run: 7, error: "boom".into(), attempts: 4, failed_at: 99 };
        let mut read = fields(&LETTER_FIELDS, &letter_values(&letter));
        read.0.insert("id".into(), "3".into());
        assert_eq!(read.dead_letter(), Ok(letter));
    }
}
