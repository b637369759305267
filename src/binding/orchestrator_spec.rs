//! A job's options as `lib/orchestrator/orchestrator.js` passes them (validated
//! by `lib/orchestrator/options.js`, with Node-style errors, and completed with
//! the API's defaults), converted
//! into the core's `JobSpec`. What is wrong here anyway (a bad cron
//! expression, an unknown zone) is reported as a message for the same errors.

use std::time::Duration;

use napi_derive::napi;

use crate::core::Backoff;
use crate::orchestrator::{CatchUp, CronSchedule, JobSpec, Mode, Schedule};

#[napi(object)]
pub struct JobSpecObject {
    /// 'scheduled', 'triggered' or 'continuous'.
    pub mode: String,
    pub every_ms: Option<f64>,
    pub cron: Option<String>,
    /// An IANA zone; needed with `cron`.
    pub time_zone: Option<String>,
    pub run_on_start: bool,
    pub gap_ms: f64,
    /// 0: none.
    pub timeout_ms: f64,
    /// Main-thread `run` jobs: the core fails an attempt at its timeout.
    pub enforce_timeout: bool,
    pub retries: u32,
    pub retry_backoff_initial_ms: f64,
    pub retry_backoff_max_ms: f64,
    /// 0 (low) .. 3 (critical).
    pub priority: u32,
    /// 0: never disabled.
    pub max_consecutive_failures: u32,
    pub breaker_cooldown_ms: Option<f64>,
    pub depends_on: Vec<String>,
    pub blocks: Vec<String>,
    /// Across replicas: 'once' or 'skip'.
    pub catch_up: String,
}

/// Whole milliseconds from a non-negative finite number.
fn ms(value: f64, what: &str) -> Result<u64, String> {
    if value.is_finite() && value >= 0.0 {
        Ok(value.round() as u64)
    } else {
        Err(format!("{what} must be a finite number of milliseconds, not {value}"))
    }
}

impl TryFrom<JobSpecObject> for JobSpec {
    type Error = String;

    fn try_from(options: JobSpecObject) -> Result<JobSpec, String> {
        // The mode and the priority are internal assertions: lib/orchestrator/options.js
        // refuses a bad one first, with the error users see, and passes the
        // priority as its index (0 low .. 3 critical).
        let mode = match options.mode.as_str() {
            "scheduled" => Mode::Scheduled,
            "triggered" => Mode::Triggered,
            "continuous" => Mode::Continuous,
            other => return Err(format!("internal: unknown mode '{other}'")),
        };
        let schedule = match (options.every_ms, options.cron) {
            (Some(_), Some(_)) => return Err("a job has either 'every' or 'cron', not both".to_owned()),
            (Some(every), None) => Schedule::Every { period_ms: ms(every, "every")? },
            (None, Some(expression)) => {
                let zone = options.time_zone.as_deref().ok_or("a cron job needs a timeZone")?;
                Schedule::Cron(Box::new(CronSchedule::parse(&expression, zone)?))
            }
            (None, None) => Schedule::None,
        };
        let catch_up = match options.catch_up.as_str() {
            "once" => CatchUp::Once,
            "skip" => CatchUp::Skip,
            other => return Err(format!("internal: unknown catchUp '{other}'")),
        };
        if options.priority > 3 {
            return Err(format!("internal: priority must be 0..3, not {}", options.priority));
        }
        let retry_backoff = Backoff {
            initial: Duration::from_millis(ms(options.retry_backoff_initial_ms, "retryBackoffMs.initial")?),
            max: Duration::from_millis(ms(options.retry_backoff_max_ms, "retryBackoffMs.max")?),
        };
        Ok(JobSpec {
            mode,
            schedule,
            run_on_start: options.run_on_start,
            gap_ms: ms(options.gap_ms, "gapMs")?,
            timeout_ms: ms(options.timeout_ms, "timeoutMs")?,
            enforce_timeout: options.enforce_timeout,
            retries: options.retries,
            retry_backoff,
            priority: options.priority as u8,
            max_consecutive_failures: options.max_consecutive_failures,
            breaker_cooldown_ms: options
                .breaker_cooldown_ms
                .map(|cooldown| ms(cooldown, "breaker.cooldownMs"))
                .transpose()?,
            depends_on: options.depends_on,
            blocks: options.blocks,
            catch_up,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options() -> JobSpecObject {
        JobSpecObject {
            mode: "scheduled".into(),
            every_ms: Some(1_000.0),
            cron: None,
            time_zone: Some("UTC".into()),
            run_on_start: true,
            gap_ms: 0.0,
            timeout_ms: 60_000.0,
            enforce_timeout: false,
            retries: 3,
            retry_backoff_initial_ms: 1_000.0,
            retry_backoff_max_ms: 60_000.0,
            priority: 2,
            max_consecutive_failures: 5,
            breaker_cooldown_ms: Some(30_000.0),
            depends_on: vec!["a".into()],
            blocks: vec![],
            catch_up: "once".into(),
        }
    }

    #[test]
    fn converts_the_options_javascript_passes() {
        let spec = JobSpec::try_from(options()).unwrap();
        assert!(matches!(spec.schedule, Schedule::Every { period_ms: 1_000 }));
        assert_eq!((spec.mode, spec.priority, spec.breaker_cooldown_ms), (Mode::Scheduled, 2, Some(30_000)));
        assert_eq!(spec.retry_backoff.max, Duration::from_secs(60));
    }

    #[test]
    fn says_what_is_wrong() {
        let both = JobSpecObject { cron: Some("* * * * *".into()), ..options() };
        assert!(JobSpec::try_from(both).unwrap_err().contains("not both"));
        let bad_cron = JobSpecObject { every_ms: None, cron: Some("not cron".into()), ..options() };
        assert!(JobSpec::try_from(bad_cron).unwrap_err().contains("not cron"));
        let bad_priority = JobSpecObject { priority: 4, ..options() };
        assert!(JobSpec::try_from(bad_priority).is_err());
        let bad_gap = JobSpecObject { gap_ms: f64::NAN, ..options() };
        assert!(JobSpec::try_from(bad_gap).unwrap_err().contains("gapMs"));
    }
}
