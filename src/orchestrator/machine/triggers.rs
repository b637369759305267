//! Runs asked for by hand: `trigger` and `retry_dead_letter`.

use super::super::clock::Millis;
use super::{DeadLetterId, JobKey, Lifecycle, Machine, RunId, Trigger, TriggerError};

impl Machine {
    /// A manual run of the job, now or as soon as its blockers and a slot
    /// allow; it ignores the schedule and `dependsOn`, and works on a disabled
    /// job or an open breaker. A run of the job that is only waiting is taken
    /// over (it becomes manual) and its id returned. `Busy` while the job
    /// runs or waits for a retry; `Stopped` unless the orchestrator runs.
    pub fn trigger(&mut self, name: &str, now: Millis) -> Result<RunId, TriggerError> {
        if self.lifecycle != Lifecycle::Running {
            return Err(TriggerError::Stopped);
        }
        let key = *self.names.get(name).ok_or(TriggerError::NotFound)?;
        self.manual_run(key, None, now)
    }

    /// A manual run of the letter's job whose `Start` names the letter (its
    /// host reuses the letter's payload). Success removes the letter; failure
    /// updates it and files no new one. `NotFound` when the letter (or its
    /// job) is gone.
    pub fn retry_dead_letter(&mut self, id: DeadLetterId, now: Millis) -> Result<RunId, TriggerError> {
        if self.lifecycle != Lifecycle::Running {
            return Err(TriggerError::Stopped);
        }
        let letter = self.dead_letters.get(id).ok_or(TriggerError::NotFound)?;
        let key = *self.names.get(&letter.job).ok_or(TriggerError::NotFound)?;
        self.manual_run(key, Some(id), now)
    }

    fn manual_run(
        &mut self,
        key: JobKey,
        dead_letter: Option<DeadLetterId>,
        now: Millis,
    ) -> Result<RunId, TriggerError> {
        let id = match self.job(key).run {
            None => self.queue_run(key, Trigger::Manual, dead_letter, None),
            Some(id) => {
                let run = self.runs.get_mut(&id).expect("a job's run is live");
                // A waiting run retrying a letter, or a letter's retry meeting
                // a waiting run of something else: neither is the other's to
                // take (each has a payload of its own).
                let other_letter =
                    run.dead_letter != dead_letter && (run.dead_letter.is_some() || dead_letter.is_some());
                if !run.is_waiting() || other_letter {
                    return Err(TriggerError::Busy);
                }
                run.trigger = Trigger::Manual;
                run.dead_letter = run.dead_letter.or(dead_letter);
                id
            }
        };
        self.settle(now);
        Ok(id)
    }
}
