//! Interned handler names. A task names its handler (module file and export)
//! by a small number, so strings cross into Rust and into each worker once per
//! handler rather than once per task.

use parking_lot::RwLock;

use super::ids::HandlerId;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HandlerSpec {
    /// The module; `None` means the pool's default module.
    pub filename: Option<String>,
    /// The export; `None` means the default export.
    pub name: Option<String>,
}

#[derive(Default)]
pub struct HandlerTable {
    specs: RwLock<Vec<HandlerSpec>>,
}

impl HandlerTable {
    pub fn intern(&self, spec: HandlerSpec) -> HandlerId {
        if let Some(index) = self.specs.read().iter().position(|known| *known == spec) {
            return HandlerId(index as u32);
        }
        let mut specs = self.specs.write();
        // Another thread may have added it between the two locks.
        if let Some(index) = specs.iter().position(|known| *known == spec) {
            return HandlerId(index as u32);
        }
        specs.push(spec);
        HandlerId(specs.len() as u32 - 1)
    }

    pub fn get(&self, id: HandlerId) -> Option<HandlerSpec> {
        self.specs.read().get(id.0 as usize).cloned()
    }
}
