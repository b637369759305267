//! Exponential restart back-off with jitter, so that a module that cannot load
//! is retried ever more rarely instead of in a tight loop, and pools that fail
//! together do not retry in lock-step.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Backoff {
    pub initial: Duration,
    pub max: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff { initial: Duration::from_millis(100), max: Duration::from_secs(5) }
    }
}

impl Backoff {
    /// The delay before the next attempt after `failures` consecutive failures
    /// (at least 1): `initial * 2^(failures-1)`, capped at `max`, then scaled by
    /// a random factor in [0.75, 1.0].
    pub fn delay(&self, failures: u32) -> Duration {
        let exponent = failures.saturating_sub(1).min(20);
        let base = self.initial.saturating_mul(1 << exponent).min(self.max);
        base.mul_f64(0.75 + 0.25 * unit_random())
    }
}

/// A number in [0, 1): good enough for jitter, with no dependency.
fn unit_random() -> f64 {
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos() as u64);
    // splitmix64 finaliser spreads the low-entropy clock bits over the word.
    let mut z = nanos.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_exponentially_up_to_the_cap() {
        let backoff = Backoff { initial: Duration::from_millis(100), max: Duration::from_millis(1000) };
        for (failures, nominal) in [(1, 100), (2, 200), (3, 400), (4, 800), (5, 1000), (40, 1000)] {
            let delay = backoff.delay(failures).as_millis() as u64;
            assert!(delay <= nominal && delay >= nominal * 3 / 4, "{failures}: {delay}");
        }
    }
}
