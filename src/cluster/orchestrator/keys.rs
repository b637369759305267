//! The keys of an orchestrator shared by replicas, all under the hash tag
//! `{pp:orchestrator:<name>}` (one slot, so the scripts also run on Redis
//! Cluster). A queue's keys are `{pp:<queue>}`: the two never meet.

/// The fixed keys, in the order the scripts take them (`prelude.lua`).
pub struct OrchestratorKeys {
    pub leader: String,
    pub epoch: String,
    pub replicas: String,
    pub alive_since: String,
    pub meta: String,
    pub jobs: String,
    pub letters: String,
    pub runs: String,
    pub commands: String,
    pub wake: String,
    pub status: String,
    pub status_version: String,
    pub definitions: String,
    pub definitions_version: String,
    /// Before a job's name, a letter's id or a replica's id: `job:<name>`,
    /// `letter:<id>`, `replies:<replica>`.
    pub prefix: String,
}

impl OrchestratorKeys {
    pub fn new(name: &str) -> OrchestratorKeys {
        let prefix = format!("{{pp:orchestrator:{name}}}:");
        let key = |suffix: &str| format!("{prefix}{suffix}");
        OrchestratorKeys {
            leader: key("leader"),
            epoch: key("epoch"),
            replicas: key("replicas"),
            alive_since: key("alive-since"),
            meta: key("meta"),
            jobs: key("jobs"),
            letters: key("letters"),
            runs: key("runs"),
            commands: key("commands"),
            wake: key("wake"),
            status: key("status"),
            status_version: key("status-version"),
            definitions: key("definitions"),
            definitions_version: key("definitions-version"),
            prefix,
        }
    }

    pub fn script_keys(&self) -> [&str; 14] {
        [
            &self.leader,
            &self.epoch,
            &self.replicas,
            &self.alive_since,
            &self.meta,
            &self.jobs,
            &self.letters,
            &self.runs,
            &self.commands,
            &self.wake,
            &self.status,
            &self.status_version,
            &self.definitions,
            &self.definitions_version,
        ]
    }

    /// The list a replica's replies are pushed to.
    pub fn replies(&self, replica: &str) -> String {
        format!("{}replies:{replica}", self.prefix)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_shares_the_orchestrator_hash_tag() {
        let keys = OrchestratorKeys::new("billing");
        for key in keys.script_keys().into_iter().chain([keys.replies("r1").as_str()]) {
            assert!(key.starts_with("{pp:orchestrator:billing}:"), "{key}");
        }
    }
}
