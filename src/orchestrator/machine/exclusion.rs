//! Which runs may not hold slots at the same time.

use super::run::Run;
use super::Machine;

impl Machine {
    /// Whether `a` and `b` exclude each other (the relation is symmetric):
    /// - two runs of one name: a job never overlaps itself, even across an
    ///   unregister and a register under the same name;
    /// - `blocks`, declared on either side;
    /// - a dependency and a non-manual run of its dependent: the dependent
    ///   never runs while a dependency runs, and a dependency does not start
    ///   while a dependent's run (retries included) holds its slot, so the
    ///   dependent's retries never overlap it either. Manual runs ignore
    ///   `dependsOn`, and so this exclusion.
    pub(super) fn excludes(&self, a: &Run, b: &Run) -> bool {
        let (job_a, job_b) = (self.job(a.job), self.job(b.job));
        if job_a.name == job_b.name {
            return true;
        }
        let blocks = job_a.spec.blocks.contains(&job_b.name) || job_b.spec.blocks.contains(&job_a.name);
        let a_waits_for_b = !a.is_manual() && job_a.depends_on(&job_b.name);
        let b_waits_for_a = !b.is_manual() && job_b.depends_on(&job_a.name);
        blocks || a_waits_for_b || b_waits_for_a
    }
}
