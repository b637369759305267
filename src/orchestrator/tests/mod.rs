//! Orchestrator tests. Time is always an argument here, never read.

mod cron;
mod cron_dst;
mod cron_support;
