//! The orchestrator's outputs, status and dead letters as JSON text for
//! `lib/orchestrator/orchestrator.js`. Field names are the core's, in camelCase; times
//! are epoch milliseconds or null.

use super::json::{array, Object};
use crate::orchestrator::{DeadLetter, Output, Status};

/// `[{ kind, ...fields }, ...]`:
/// - `start` { run, job, attempt, trigger, timeoutMs, deadLetter: id | null }
/// - `abort` { run, timedOut }
/// - `succeeded` { run, job, durationMs }
/// - `failed` { run, job, attempt, error, timedOut, willRetry }
/// - `cancelled` { run, job, reason: 'stopped' | 'notFound' | 'abortedByStop' }
/// - `skipped` { job, reason }
/// - `disabled` { job, consecutiveFailures }
/// - `breakerOpen`, `breakerClose` { job }
/// - `deadLetter` { id, job, run, error, attempts }
/// - `deadLetterRemoved` { id }
/// - `stopped` {}
pub(super) fn outputs(outputs: &[Output]) -> String {
    let mut out = String::with_capacity(64 * outputs.len());
    array(&mut out, outputs, write_output);
    out
}

fn write_output(out: &mut String, output: &Output) {
    let object = Object::begin(out);
    match output {
        Output::Start { run, job, attempt, trigger, timeout_ms, dead_letter, scheduled_at } => object
            .str("kind", "start")
            .int("run", *run)
            .str("job", job)
            .int("attempt", *attempt)
            .str("trigger", trigger.as_str())
            .int("timeoutMs", *timeout_ms)
            .opt_int("deadLetter", *dead_letter)
            .opt_int("scheduledAt", *scheduled_at),
        Output::Abort { run, timed_out } => object.str("kind", "abort").int("run", *run).bool("timedOut", *timed_out),
        Output::Succeeded { run, job, duration_ms } => {
            object.str("kind", "succeeded").int("run", *run).str("job", job).int("durationMs", *duration_ms)
        }
        Output::Failed { run, job, attempt, error, timed_out, replica_lost, will_retry } => object
            .str("kind", "failed")
            .int("run", *run)
            .str("job", job)
            .int("attempt", *attempt)
            .str("error", error)
            .bool("timedOut", *timed_out)
            .bool("replicaLost", *replica_lost)
            .bool("willRetry", *will_retry),
        Output::Cancelled { run, job, reason } => {
            object.str("kind", "cancelled").int("run", *run).str("job", job).str("reason", reason.as_str())
        }
        Output::Skipped { job, reason } => object.str("kind", "skipped").str("job", job).str("reason", reason.as_str()),
        Output::Disabled { job, consecutive_failures } => {
            object.str("kind", "disabled").str("job", job).int("consecutiveFailures", *consecutive_failures)
        }
        Output::BreakerOpen { job } => object.str("kind", "breakerOpen").str("job", job),
        Output::BreakerClose { job } => object.str("kind", "breakerClose").str("job", job),
        Output::DeadLetter { id, job, run, error, attempts } => object
            .str("kind", "deadLetter")
            .int("id", *id)
            .str("job", job)
            .int("run", *run)
            .str("error", error)
            .int("attempts", *attempts),
        Output::DeadLetterRemoved { id } => object.str("kind", "deadLetterRemoved").int("id", *id),
        Output::Stopped => object.str("kind", "stopped"),
    }
    .end();
}

/// `{ state, running, waiting, healthy, deadLetters, jobs: [{ name, mode,
/// enabled, state, runs, successes, failures, consecutiveFailures, lastRunAt,
/// lastSuccessAt, lastError, lastDurationMs, nextRunAt }] }`, jobs in
/// registration order.
pub(super) fn status(status: &Status) -> String {
    let mut out = String::with_capacity(128 + 256 * status.jobs.len());
    Object::begin(&mut out)
        .str("state", status.state.as_str())
        .int("running", status.running as u64)
        .int("waiting", status.waiting as u64)
        .bool("healthy", status.healthy)
        .int("deadLetters", status.dead_letters as u64)
        .raw("jobs", |out| {
            array(out, &status.jobs, |out, job| {
                Object::begin(out)
                    .str("name", &job.name)
                    .str("mode", job.mode.as_str())
                    .bool("enabled", job.enabled)
                    .str("state", job.state.as_str())
                    .int("runs", job.runs)
                    .int("successes", job.successes)
                    .int("failures", job.failures)
                    .int("consecutiveFailures", job.consecutive_failures)
                    .opt_int("lastRunAt", job.last_run_at)
                    .opt_int("lastSuccessAt", job.last_success_at)
                    .opt_str("lastError", job.last_error.as_deref())
                    .opt_int("lastDurationMs", job.last_duration_ms)
                    .opt_int("nextRunAt", job.next_run_at)
                    .end()
            })
        })
        .end();
    out
}

/// `[{ id, job, run, error, attempts, failedAt }]`, oldest first.
pub(super) fn dead_letters(letters: &[DeadLetter]) -> String {
    let mut out = String::with_capacity(128 * letters.len() + 2);
    array(&mut out, letters, |out, letter| {
        Object::begin(out)
            .int("id", letter.id)
            .str("job", &letter.job)
            .int("run", letter.run)
            .str("error", &letter.error)
            .int("attempts", letter.attempts)
            .int("failedAt", letter.failed_at)
            .end()
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::orchestrator::machine::status::{JobState, JobStatus, LifecycleState};
    use crate::orchestrator::machine::{CancelReason, SkipReason, Trigger};
    use crate::orchestrator::Mode;

    #[test]
    fn outputs_are_tagged_by_kind_with_camel_case_fields() {
        let json = outputs(&[
            Output::Start {
                run: 7,
                job: "fetch".into(),
                attempt: 2,
                trigger: Trigger::Retry,
                timeout_ms: 500,
                dead_letter: None,
                scheduled_at: Some(1_000),
            },
            Output::Failed {
                run: 7,
                job: "fetch".into(),
                attempt: 2,
                error: "boom".into(),
                timed_out: true,
                replica_lost: false,
                will_retry: false,
            },
            Output::Cancelled { run: 8, job: "x".into(), reason: CancelReason::NotFound },
            Output::Skipped { job: "x".into(), reason: SkipReason::DependencyFailed },
            Output::Stopped,
        ]);
        assert_eq!(
            json,
            concat!(
                r#"[{"kind":"start","run":7,"job":"fetch","attempt":2,"trigger":"retry","timeoutMs":500,"deadLetter":null,"scheduledAt":1000},"#,
                r#"{"kind":"failed","run":7,"job":"fetch","attempt":2,"error":"boom","timedOut":true,"replicaLost":false,"willRetry":false},"#,
                r#"{"kind":"cancelled","run":8,"job":"x","reason":"notFound"},"#,
                r#"{"kind":"skipped","job":"x","reason":"dependencyFailed"},"#,
                r#"{"kind":"stopped"}]"#
            )
        );
    }

    #[test]
    fn status_and_dead_letters_use_the_api_names() {
        let job = JobStatus {
            name: "fetch".into(),
            mode: Mode::Scheduled,
            enabled: true,
            state: JobState::BreakerOpen,
            runs: 3,
            successes: 1,
            failures: 2,
            consecutive_failures: 2,
            last_run_at: Some(1_000),
            last_success_at: None,
            last_error: Some("boom".into()),
            last_duration_ms: Some(12),
            next_run_at: Some(2_000),
        };
        let json = status(&Status {
            state: LifecycleState::Running,
            running: 1,
            waiting: 0,
            healthy: false,
            dead_letters: 2,
            jobs: vec![job],
        });
        assert_eq!(
            json,
            concat!(
                r#"{"state":"running","running":1,"waiting":0,"healthy":false,"deadLetters":2,"jobs":[{"name":"fetch","#,
                r#""mode":"scheduled","enabled":true,"state":"breakerOpen","runs":3,"successes":1,"failures":2,"#,
                r#""consecutiveFailures":2,"lastRunAt":1000,"lastSuccessAt":null,"lastError":"boom","lastDurationMs":12,"#,
                r#""nextRunAt":2000}]}"#
            )
        );
        let letter = DeadLetter { id: 4, job: "fetch".into(), run: 9, error: "boom".into(), attempts: 3, failed_at: 5 };
        assert_eq!(
            dead_letters(&[letter]),
            r#"[{"id":4,"job":"fetch","run":9,"error":"boom","attempts":3,"failedAt":5}]"#
        );
    }
}
