//! A job's record and a dead letter as Redis keeps them: one hash each, a
//! field per value, `''` for none. `commit.lua` takes the values in the order
//! of its `JOB_FIELDS` and `LETTER_FIELDS`, which `JOB_FIELDS` and
//! `LETTER_FIELDS` here repeat.

use std::collections::HashMap;
use std::fmt::Display;
use std::str::FromStr;

use crate::orchestrator::machine::durable::{BreakerRecord, JobRecord};
use crate::orchestrator::DeadLetter;

#[cfg(test)]
const JOB_FIELDS: [&str; 16] = [
    "enabled",
    "disabledByFailures",
    "breaker",
    "breakerUntil",
    "anchor",
    "ticksDone",
    "runs",
    "successes",
    "failures",
    "consecutiveFailures",
    "lastRunAt",
    "lastSuccessAt",
    "lastError",
    "lastDurationMs",
    "lastStarted",
    "lastSucceeded",
];

#[cfg(test)]
const LETTER_FIELDS: [&str; 5] = ["job", "run", "error", "attempts", "failedAt"];

fn opt<T: Display>(value: Option<T>) -> String {
    value.map_or_else(String::new, |value| value.to_string())
}

fn flag(value: bool) -> String {
    if value { "1" } else { "0" }.to_owned()
}

/// The values of `JOB_FIELDS`, in order.
pub fn job_values(record: &JobRecord) -> [String; 16] {
    let (breaker, until) = match record.breaker {
        BreakerRecord::Closed => ("closed", None),
        BreakerRecord::Open { until } => ("open", Some(until)),
        BreakerRecord::HalfOpen => ("halfOpen", None),
    };
    [
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
        // An empty error message is kept as a space: '' means none.
        record
            .last_error
            .as_ref()
            .map_or_else(String::new, |error| if error.is_empty() { " ".into() } else { error.clone() }),
        opt(record.last_duration_ms),
        opt(record.last_started),
        opt(record.last_succeeded),
    ]
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

    fn optional<T: FromStr>(&self, name: &str) -> Result<Option<T>, String> {
        match self.0.get(name).map(String::as_str) {
            None | Some("") => Ok(None),
            Some(_) => self.number(name).map(Some),
        }
    }

    fn flag(&self, name: &str) -> Result<bool, String> {
        Ok(self.text(name)? == "1")
    }

    pub fn job_record(&self) -> Result<JobRecord, String> {
        let breaker = match self.text("breaker")? {
            "closed" => BreakerRecord::Closed,
            "open" => BreakerRecord::Open { until: self.number("breakerUntil")? },
            "halfOpen" => BreakerRecord::HalfOpen,
            other => return Err(format!("unknown breaker state '{other}'")),
        };
        let last_error = match self.text("lastError")? {
            "" => None,
            " " => Some(String::new()),
            error => Some(error.to_owned()),
        };
        Ok(JobRecord {
            enabled: self.flag("enabled")?,
            disabled_by_failures: self.flag("disabledByFailures")?,
            breaker,
            anchor: self.number("anchor")?,
            ticks_done: self.optional("ticksDone")?,
            runs: self.number("runs")?,
            successes: self.number("successes")?,
            failures: self.number("failures")?,
            consecutive_failures: self.number("consecutiveFailures")?,
            last_run_at: self.optional("lastRunAt")?,
            last_success_at: self.optional("lastSuccessAt")?,
            last_error,
            last_duration_ms: self.optional("lastDurationMs")?,
            last_started: self.optional("lastStarted")?,
            last_succeeded: self.optional("lastSucceeded")?,
        })
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
        assert_eq!(fields(&JOB_FIELDS, &job_values(&record)).job_record(), Ok(record));
    }

    #[test]
    fn the_fields_are_in_the_order_commit_lua_takes_them() {
        let prelude = include_str!("scripts/prelude.lua");
        let quoted = |names: &[&str]| names.iter().map(|name| format!("'{name}'")).collect::<Vec<_>>();
        let in_lua: String = prelude.split_whitespace().collect();
        assert!(in_lua.contains(&format!("JOB_FIELDS={{{},}}", quoted(&JOB_FIELDS).join(","))));
        assert!(in_lua.contains(&format!("LETTER_FIELDS={{{}}}", quoted(&LETTER_FIELDS).join(","))));
    }

    #[test]
    fn a_dead_letter_reads_back_as_written() {
        let letter = DeadLetter { id: 3, job: "a\nb".into(), run: 7, error: "boom".into(), attempts: 4, failed_at: 99 };
        let mut read = fields(&LETTER_FIELDS, &letter_values(&letter));
        read.0.insert("id".into(), "3".into());
        assert_eq!(read.dead_letter(), Ok(letter));
    }
}
