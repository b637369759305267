//! The pool's options as JavaScript passes them (`lib/pool/options.js` has
//! validated them, with Node-style errors, and resolved what the API
//! defines), converted into the core's `PoolConfig` and the supervisor's
//! `Settings`. Tuning left out (idle timeout, restart back-off) takes the
//! core's default (`PoolConfig::default`), which also holds what users do
//! not set at all (linger, priority ageing).

use std::collections::HashMap;
use std::time::Duration;

use napi::bindgen_prelude::Buffer;
use napi::{Error, Status};
use napi_derive::napi;

use crate::core::{Backoff, PoolConfig};
use crate::process::{Settings, StdioMode};

#[napi(object)]
pub struct PoolOptions {
    pub min_workers: u32,
    pub max_workers: u32,
    /// Tasks a worker runs at once.
    pub concurrent_tasks_per_worker: u32,
    /// Most tasks waiting to start; `Infinity`: no limit.
    pub max_queue: f64,
    /// Most time a task may wait to start; 0: no limit.
    pub max_queue_wait_ms: f64,
    /// 0: no limit.
    pub max_tasks_per_worker: f64,
    /// 0: no limit.
    pub max_worker_memory_mb: f64,
    // Tuning: absent, the core's default.
    /// How long an idle worker of a dynamic pool stays; 0: for ever.
    pub idle_timeout_ms: Option<f64>,
    /// Restart back-off after failed starts.
    pub restart_backoff_initial_ms: Option<f64>,
    pub restart_backoff_max_ms: Option<f64>,
    /// A shared worker's grace after an abort or a timeout (`Infinity`: none).
    pub abort_grace_ms: Option<f64>,
}

/// Milliseconds; 0 (and what a Duration cannot hold) means none.
pub(super) fn duration_ms(ms: f64) -> Option<Duration> {
    Duration::try_from_secs_f64(ms / 1000.0).ok().filter(|duration| !duration.is_zero())
}

/// A grace in ms: `Infinity` means none (no deadline), 0 means no grace.
fn grace(ms: f64) -> Option<Duration> {
    ms.is_finite().then(|| Duration::try_from_secs_f64(ms / 1000.0).unwrap_or(Duration::ZERO))
}

/// A positive limit; 0 means none.
fn limit(value: f64) -> Option<f64> {
    (value > 0.0).then_some(value)
}

fn invalid(message: String) -> Error {
    Error::new(Status::InvalidArg, message)
}

impl TryFrom<PoolOptions> for PoolConfig {
    type Error = Error;

    fn try_from(options: PoolOptions) -> Result<Self, Error> {
        let defaults = PoolConfig::default();
        // An internal assertion: lib/pool/options.js refuses these first, with
        // the errors users see; this only keeps the core's invariant.
        if options.min_workers > options.max_workers || options.max_workers == 0 {
            let (min, max) = (options.min_workers, options.max_workers);
            return Err(invalid(format!("internal: minWorkers ({min}) and maxWorkers ({max}) make no pool")));
        }
        Ok(PoolConfig {
            min_workers: options.min_workers as usize,
            max_workers: options.max_workers as usize,
            idle_timeout: options.idle_timeout_ms.map_or(defaults.idle_timeout, duration_ms),
            concurrency: options.concurrent_tasks_per_worker.max(1) as usize,
            max_queue: if options.max_queue.is_finite() { options.max_queue as usize } else { usize::MAX },
            max_queue_wait: duration_ms(options.max_queue_wait_ms),
            max_tasks_per_worker: limit(options.max_tasks_per_worker).map(|n| n as u64),
            max_worker_memory_mb: limit(options.max_worker_memory_mb),
            backoff: backoff(options.restart_backoff_initial_ms, options.restart_backoff_max_ms, defaults.backoff)
                .map_err(invalid)?,
            abort_grace: options.abort_grace_ms.map_or(defaults.abort_grace, grace),
            ..defaults
        })
    }
}

/// The back-off the user asked for, completed by the default: a bound the
/// user gave wins over a default one (`{ max: 50 }` also lowers the start).
/// (Free of napi types, so that it can be unit-tested without Node.)
fn backoff(initial_ms: Option<f64>, max_ms: Option<f64>, defaults: Backoff) -> Result<Backoff, String> {
    let given = |ms: Option<f64>| ms.map(|ms| duration_ms(ms).unwrap_or(Duration::from_millis(1)));
    let backoff = match (given(initial_ms), given(max_ms)) {
        (None, None) => defaults,
        (Some(initial), None) => Backoff { initial, max: defaults.max.max(initial) },
        (None, Some(max)) => Backoff { initial: defaults.initial.min(max), max },
        (Some(initial), Some(max)) => Backoff { initial, max },
    };
    // An internal assertion for what users give: lib/pool/options.js refuses
    // a max below the initial delay first, with the error users see.
    if backoff.max < backoff.initial {
        return Err(format!(
            "internal: restartBackoffMs: max ({:?}) is below initial ({:?})",
            backoff.max, backoff.initial
        ));
    }
    Ok(backoff)
}

/// Where a process worker's stdout and stderr go.
#[napi(string_enum = "lowercase")]
pub enum Stdio {
    Inherit,
    Prefix,
    Ignore,
}

impl From<Stdio> for StdioMode {
    fn from(stdio: Stdio) -> Self {
        match stdio {
            Stdio::Inherit => StdioMode::Inherit,
            Stdio::Prefix => StdioMode::Prefix,
            Stdio::Ignore => StdioMode::Ignore,
        }
    }
}

/// For `kind: 'process'`: how each child is started (see `crate::process::Settings`).
#[napi(object)]
pub struct ProcessOptions {
    pub exec_path: String,
    /// Node's options, then the runtime script.
    pub args: Vec<String>,
    /// The whole environment; absent: the parent's.
    pub env: Option<HashMap<String, String>>,
    pub stdio: Stdio,
    /// The runtime's settings, v8-serialized.
    pub init: Buffer,
}

impl From<ProcessOptions> for Settings {
    fn from(options: ProcessOptions) -> Self {
        Settings {
            program: options.exec_path.into(),
            args: options.args,
            env: options.env.map(|env| env.into_iter().collect()),
            stdio: options.stdio.into(),
            init: options.init.to_vec(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(ms: u64) -> Duration {
        Duration::from_millis(ms)
    }

    #[test]
    fn a_back_off_bound_given_alone_moves_the_default_one_out_of_its_way() {
        let defaults = Backoff { initial: ms(100), max: ms(5000) };
        let backoff = |initial, max| backoff(initial, max, defaults).unwrap();
        assert_eq!(backoff(None, None), defaults);
        assert_eq!(backoff(Some(300.0), None), Backoff { initial: ms(300), max: ms(5000) });
        assert_eq!(backoff(Some(8000.0), None), Backoff { initial: ms(8000), max: ms(8000) });
        assert_eq!(backoff(None, Some(50.0)), Backoff { initial: ms(50), max: ms(50) });
        assert_eq!(backoff(None, Some(900.0)), Backoff { initial: ms(100), max: ms(900) });
        assert!(super::backoff(Some(500.0), Some(100.0), defaults).is_err());
    }
}
