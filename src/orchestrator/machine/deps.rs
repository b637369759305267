//! `dependsOn`: the graph's checks, the condition a dependent's run waits
//! for, and what a dependency's success or failure does to its dependents.

use std::collections::HashMap;

use super::super::spec::Mode;
use super::{JobKey, Lifecycle, Machine, Output, SkipReason, Trigger};

impl Machine {
    /// Names every unknown dependency, then the first cycle found.
    pub(super) fn check_dependencies(&self) -> Result<(), String> {
        let unknown: Vec<String> = self
            .registered_jobs()
            .flat_map(|job| {
                job.spec
                    .depends_on
                    .iter()
                    .filter(|name| !self.names.contains_key(*name))
                    .map(move |name| format!("'{}' (in the dependsOn of '{}')", name, job.name))
                    // A misspelt name in `blocks` would silently drop a mutual exclusion.
                    .chain(
                        job.spec
                            .blocks
                            .iter()
                            .filter(|name| !self.names.contains_key(*name))
                            .map(move |name| format!("'{}' (in the blocks of '{}')", name, job.name)),
                    )
            })
            .collect();
        if !unknown.is_empty() {
            return Err(format!("unknown job: {}", unknown.join(", ")));
        }
        match self.find_cycle() {
            Some(cycle) => Err(format!("dependsOn cycle: {}", cycle.join(" -> "))),
            None => Ok(()),
        }
    }

    /// A cycle of the dependency graph as names, its first name repeated at
    /// the end; depth-first in registration order.
    fn find_cycle(&self) -> Option<Vec<String>> {
        #[derive(Clone, Copy, PartialEq)]
        enum Visit {
            OnPath,
            Done,
        }
        let mut visits: HashMap<&str, Visit> = HashMap::new();
        for root in self.registered_jobs() {
            if visits.contains_key(root.name.as_str()) {
                continue;
            }
            // Each frame: a job and how many of its dependencies were followed.
            let mut path: Vec<(&str, usize)> = vec![(root.name.as_str(), 0)];
            visits.insert(root.name.as_str(), Visit::OnPath);
            while let Some((name, next)) = path.last_mut() {
                let job = self.job(self.names[*name]);
                let Some(dependency) = job.spec.depends_on.get(*next) else {
                    visits.insert(*name, Visit::Done);
                    path.pop();
                    continue;
                };
                *next += 1;
                match visits.get(dependency.as_str()) {
                    Some(Visit::Done) => {}
                    Some(Visit::OnPath) => {
                        let start = path.iter().position(|(on_path, _)| *on_path == dependency).expect("on the path");
                        let mut cycle: Vec<String> = path[start..].iter().map(|(name, _)| (*name).to_owned()).collect();
                        cycle.push(dependency.clone());
                        return Some(cycle);
                    }
                    None => {
                        visits.insert(dependency.as_str(), Visit::OnPath);
                        path.push((dependency.as_str(), 0));
                    }
                }
            }
        }
        None
    }

    fn registered_jobs(&self) -> impl Iterator<Item = &super::Job> {
        self.jobs.values().filter(|job| !job.removed)
    }

    /// Every dependency has succeeded since the job's last run started. (That
    /// none of them runs is an exclusion, checked with the others.)
    pub(super) fn dependencies_satisfied(&self, key: JobKey) -> bool {
        let job = self.job(key);
        job.spec.depends_on.iter().all(|name| match self.names.get(name) {
            // `None < Some`: a job that never started needs one success.
            Some(dependency) => self.job(*dependency).last_succeeded > job.last_started,
            None => false,
        })
    }

    /// Jobs (registered) that depend on `key`, in registration order.
    fn dependents_of(&self, key: JobKey) -> Vec<JobKey> {
        let name = &self.job(key).name;
        self.jobs.iter().filter(|(_, job)| !job.removed && job.depends_on(name)).map(|(key, _)| *key).collect()
    }

    /// A run of `key` succeeded: dependents with no schedule of their own get
    /// a run if all their dependencies are now satisfied. (Waiting dependents
    /// are started by the dispatch that follows.)
    pub(super) fn on_dependency_succeeded(&mut self, key: JobKey) {
        for dependent in self.dependents_of(key) {
            self.offer_dependency_run(dependent);
        }
    }

    /// A dependency-driven job runs after each success of its dependencies;
    /// called on such a success and when its own run ends (a success that
    /// came while it ran is served then).
    pub(super) fn offer_dependency_run(&mut self, key: JobKey) {
        let job = self.job(key);
        if self.lifecycle != Lifecycle::Running
            || job.spec.mode != Mode::Triggered
            || job.spec.depends_on.is_empty()
            || job.run.is_some()
            || !self.dependencies_satisfied(key)
        {
            return;
        }
        let skip = if !job.enabled {
            Some(SkipReason::Disabled)
        } else if job.breaker_is_open() {
            Some(SkipReason::BreakerOpen)
        } else {
            None
        };
        self.queue_unless_skipped(key, skip, Trigger::Dependency, None);
    }

    /// A run of `key` failed for good: a dependent's run waiting for it is
    /// dropped, and a dependent with no schedule says it will not run.
    pub(super) fn on_dependency_failed(&mut self, key: JobKey, now: super::Millis) {
        if self.lifecycle != Lifecycle::Running {
            return;
        }
        for dependent in self.dependents_of(key) {
            let job = self.job(dependent);
            let waiting = job.run.filter(|id| {
                let run = &self.runs[id];
                run.is_waiting() && !run.is_manual()
            });
            let dropped = match waiting {
                Some(id) => {
                    self.forget_run(id);
                    true
                }
                None => job.run.is_none() && job.spec.mode == Mode::Triggered,
            };
            if !dropped {
                continue;
            }
            let job = self.job_mut(dependent);
            // A continuous dependent tries again after its gap.
            if job.spec.mode == Mode::Continuous && job.enabled {
                job.next_tick = Some(now.saturating_add(job.spec.gap_ms.min(i64::MAX as u64) as super::Millis));
            }
            let job = job.name.clone();
            self.emit(Output::Skipped { job, reason: SkipReason::DependencyFailed });
        }
    }
}
