//! The orchestrator's pure core: schedules and the clock they are read against.
//! No napi types here; the binding wraps it.

pub mod clock;
pub mod cron;
mod dst;

#[cfg(test)]
mod tests;
