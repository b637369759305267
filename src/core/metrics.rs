//! Latency summaries without keeping samples: a log-linear histogram (8
//! buckets per power of two, so a percentile is within ~6% of the truth),
//! constant memory and O(1) per record. The minimum, maximum and mean are
//! exact, and so is the standard deviation up to rounding (Welford's method).
//! Each value is also counted against fixed bounds, for a Prometheus
//! histogram, whose buckets must not move between scrapes.

use std::time::Duration;

/// Values below this many µs get a bucket each.
const EXACT: u64 = 16;
const SUB_BUCKETS: u64 = 8;
/// Up to 2^42 µs (~50 days); longer durations land in the last bucket.
const MAX_EXPONENT: u64 = 42;
const BUCKETS: usize = (EXACT + (MAX_EXPONENT - 3) * SUB_BUCKETS) as usize;

/**
 * The upper bounds (inclusive, µs) of the buckets a scraper sees: 0.5 ms to
 * 5 minutes, about three per decade, as Prometheus's defaults are spread.
 */
pub const EXPORTED_BOUNDS_US: [u64; 18] = [
    500,
    1_000,
    2_500,
    5_000,
    10_000,
    25_000,
    50_000,
    100_000,
    250_000,
    500_000,
    1_000_000,
    2_500_000,
    5_000_000,
    10_000_000,
    30_000_000,
    60_000_000,
    120_000_000,
    300_000_000,
];

#[derive(Clone)]
pub struct Histogram {
    counts: Vec<u64>,
    /// Values per exported bound (not cumulative); the last counts what is above them all.
    exported: [u64; EXPORTED_BOUNDS_US.len() + 1],
    count: u64,
    sum_us: u128,
    min_us: u64,
    max_us: u64,
    /// Welford's running mean and sum of squared deviations, in µs.
    mean_us: f64,
    m2_us: f64,
}

/// What a Prometheus histogram shows: cumulative counts per exported bound, then the total.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Exported {
    /// `cumulative[i]`: values up to `EXPORTED_BOUNDS_US[i]`; the last entry is `count` (`+Inf`).
    pub cumulative: Vec<u64>,
    pub count: u64,
    pub sum_seconds: f64,
}

/// A summary in milliseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Summary {
    pub count: u64,
    pub min: f64,
    pub mean: f64,
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
    pub max: f64,
    /// The population standard deviation; 0 for fewer than 2 durations.
    pub stddev: f64,
}

impl Default for Histogram {
    fn default() -> Self {
        Histogram {
            counts: vec![0; BUCKETS],
            exported: [0; EXPORTED_BOUNDS_US.len() + 1],
            count: 0,
            sum_us: 0,
            min_us: u64::MAX,
            max_us: 0,
            mean_us: 0.0,
            m2_us: 0.0,
        }
    }
}

impl Histogram {
    pub fn record(&mut self, duration: Duration) {
        let us = duration.as_micros().min(u64::MAX as u128) as u64;
        self.counts[bucket_of(us)] += 1;
        self.exported[EXPORTED_BOUNDS_US.partition_point(|&bound| bound < us)] += 1;
        self.count += 1;
        self.sum_us += us as u128;
        self.min_us = self.min_us.min(us);
        self.max_us = self.max_us.max(us);
        let delta = us as f64 - self.mean_us;
        self.mean_us += delta / self.count as f64;
        self.m2_us += delta * (us as f64 - self.mean_us);
    }

    pub fn summary(&self) -> Summary {
        if self.count == 0 {
            return Summary::default();
        }
        let ms = |us: u64| us as f64 / 1000.0;
        let variance = if self.count < 2 { 0.0 } else { (self.m2_us / self.count as f64).max(0.0) };
        Summary {
            count: self.count,
            min: ms(self.min_us),
            mean: self.sum_us as f64 / self.count as f64 / 1000.0,
            p50: ms(self.percentile(0.50)),
            p90: ms(self.percentile(0.90)),
            p99: ms(self.percentile(0.99)),
            max: ms(self.max_us),
            stddev: variance.sqrt() / 1000.0,
        }
    }

    pub fn exported(&self) -> Exported {
        let mut total = 0;
        let cumulative = self
            .exported
            .iter()
            .map(|&count| {
                total += count;
                total
            })
            .collect();
        Exported { cumulative, count: self.count, sum_seconds: self.sum_us as f64 / 1e6 }
    }

    /// The middle of the bucket holding the `q` quantile, kept within the minimum and maximum seen.
    fn percentile(&self, q: f64) -> u64 {
        let rank = ((q * self.count as f64).ceil() as u64).max(1);
        let mut seen = 0;
        for (index, &count) in self.counts.iter().enumerate() {
            seen += count;
            if seen >= rank {
                let (low, high) = bounds_of(index);
                return (low + (high - low) / 2).clamp(self.min_us, self.max_us);
            }
        }
        self.max_us
    }
}

fn bucket_of(us: u64) -> usize {
    if us < EXACT {
        return us as usize;
    }
    let exponent = (63 - us.leading_zeros() as u64).min(MAX_EXPONENT);
    let sub = (us >> (exponent - 3)) & (SUB_BUCKETS - 1);
    ((EXACT + (exponent - 4) * SUB_BUCKETS + sub) as usize).min(BUCKETS - 1)
}

/// The values `[low, high)` a bucket holds.
fn bounds_of(index: usize) -> (u64, u64) {
    let index = index as u64;
    if index < EXACT {
        return (index, index + 1);
    }
    let exponent = (index - EXACT) / SUB_BUCKETS + 4;
    let sub = (index - EXACT) % SUB_BUCKETS;
    let width = 1 << (exponent - 3);
    let low = (1 << exponent) + sub * width;
    (low, low + width)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_cover_values_in_order() {
        let mut previous = 0;
        for us in [0, 1, 15, 16, 17, 31, 32, 100, 1_000, 65_535, 1 << 30] {
            let bucket = bucket_of(us);
            assert!(bucket >= previous, "{us}");
            let (low, high) = bounds_of(bucket);
            assert!(low <= us && us < high, "{us} in [{low}, {high})");
            previous = bucket;
        }
    }

    #[test]
    fn percentiles_are_close_to_the_truth() {
        let mut histogram = Histogram::default();
        for ms in 1..=1000u64 {
            histogram.record(Duration::from_millis(ms));
        }
        let summary = histogram.summary();
        assert_eq!(summary.count, 1000);
        assert!((summary.mean - 500.5).abs() < 0.01);
        for (value, truth) in [(summary.p50, 500.0), (summary.p90, 900.0), (summary.p99, 990.0)] {
            assert!((value - truth).abs() / truth < 0.07, "{value} vs {truth}");
        }
        assert_eq!(summary.max, 1000.0);
        assert_eq!(Histogram::default().summary(), Summary::default());
    }

    #[test]
    fn min_and_stddev_are_exact() {
        let mut histogram = Histogram::default();
        // 2, 4, 4, 4, 5, 5, 7, 9 ms: mean 5, population standard deviation 2.
        for ms in [4, 9, 2, 4, 5, 7, 4, 5u64] {
            histogram.record(Duration::from_millis(ms));
        }
        let summary = histogram.summary();
        assert_eq!(summary.min, 2.0);
        assert_eq!(summary.max, 9.0);
        assert_eq!(summary.mean, 5.0);
        assert!((summary.stddev - 2.0).abs() < 1e-9, "{}", summary.stddev);

        // Microseconds count: 1.5 ms and 2.5 ms are 0.5 ms either side of their mean.
        let mut histogram = Histogram::default();
        histogram.record(Duration::from_micros(2500));
        histogram.record(Duration::from_micros(1500));
        let summary = histogram.summary();
        assert_eq!(summary.min, 1.5);
        assert!((summary.stddev - 0.5).abs() < 1e-9, "{}", summary.stddev);

        // Equal durations deviate by nothing, and every percentile is that duration.
        let mut histogram = Histogram::default();
        for _ in 0..1000 {
            histogram.record(Duration::from_micros(60_123));
        }
        let summary = histogram.summary();
        assert_eq!(summary.stddev, 0.0);
        for value in [summary.min, summary.p50, summary.p90, summary.p99, summary.max] {
            assert_eq!(value, 60.123);
        }
    }

    #[test]
    fn exported_buckets_are_cumulative_and_inclusive() {
        let mut histogram = Histogram::default();
        // On a bound counts toward it; past the last bound, only toward +Inf.
        for us in [0, 500, 501, 1_000, 7_000, 400_000_000] {
            histogram.record(Duration::from_micros(us));
        }
        let exported = histogram.exported();
        assert_eq!(exported.cumulative.len(), EXPORTED_BOUNDS_US.len() + 1);
        assert_eq!(&exported.cumulative[..4], &[2, 4, 4, 4]);
        assert_eq!(exported.cumulative[4], 5, "7 ms is within 10 ms");
        assert_eq!(exported.cumulative[EXPORTED_BOUNDS_US.len() - 1], 5);
        assert_eq!(*exported.cumulative.last().unwrap(), 6);
        assert_eq!(exported.count, 6);
        assert!((exported.sum_seconds - 400.009001).abs() < 1e-9, "{}", exported.sum_seconds);
    }

    #[test]
    fn one_duration_has_no_deviation() {
        let mut histogram = Histogram::default();
        histogram.record(Duration::from_millis(42));
        let summary = histogram.summary();
        assert_eq!((summary.count, summary.min, summary.max, summary.stddev), (1, 42.0, 42.0, 0.0));
        assert!(summary.min <= summary.p50 && summary.p50 <= summary.max);
    }
}
