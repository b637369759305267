//! When a scheduled job's ticks fall.

use super::clock::Millis;
use super::cron::CronSchedule;

#[derive(Clone, Debug)]
pub enum Schedule {
    /// Triggered and continuous jobs: no ticks.
    None,
    /// Fixed rate on a grid anchored at the job's start: `anchor + k * period`.
    /// Ticks never drift, however long runs take, and a late wake-up skips
    /// to the next grid point instead of backfilling the ones it missed.
    Every { period_ms: u64 },
    /// Boxed: a parsed expression is far bigger than the other variants.
    Cron(Box<CronSchedule>),
}

impl Schedule {
    /// The first tick strictly after `after`, or `None` (no schedule, or a
    /// cron expression with no further match). `anchor` is where an `every`
    /// grid starts; the anchor itself is not a tick (`runOnStart` is).
    pub fn next_after(&self, anchor: Millis, after: Millis) -> Option<Millis> {
        match self {
            Schedule::None => None,
            Schedule::Every { period_ms } => {
                let period = (*period_ms).clamp(1, i64::MAX as u64) as Millis;
                let k = (after.saturating_sub(anchor).div_euclid(period) + 1).max(1);
                Some(anchor.saturating_add(k.saturating_mul(period)))
            }
            Schedule::Cron(cron) => cron.next_after(after),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_is_a_grid_anchored_at_the_start() {
        let every = Schedule::Every { period_ms: 500 };
        assert_eq!(every.next_after(1_000, 1_000), Some(1_500));
        assert_eq!(every.next_after(1_000, 1_499), Some(1_500));
        assert_eq!(every.next_after(1_000, 1_500), Some(2_000));
        assert_eq!(every.next_after(1_000, 4_250), Some(4_500), "missed grid points are not backfilled");
        assert_eq!(every.next_after(1_000, 200), Some(1_500), "a clock that went back: still the first tick");
        assert_eq!(Schedule::None.next_after(0, 0), None);
    }
}
