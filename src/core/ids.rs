//! Identifiers handed out by the core. They are never reused within a pool, so
//! a late message about an old task or worker can never be mistaken for a new one.

use std::hash::Hasher;

/// A task, unique within its pool. Crosses to JavaScript as a number (exact up to 2^53).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TaskId(pub u64);

/// A worker, unique within its pool: a replacement gets a new id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct WorkerId(pub u32);

/// An interned (module, export) pair: tasks carry this small number instead of strings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct HandlerId(pub u32);

/// Task ids are distinct sequential integers: they need mixing, not a
/// keyed cryptographic hash (SipHash costs more than the rest of a push).
#[derive(Default)]
pub struct TaskIdHasher(u64);

impl Hasher for TaskIdHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*byte);
        }
    }

    fn write_u64(&mut self, id: u64) {
        // Fibonacci hashing: spreads sequential ids over the high bits.
        self.0 = id.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}
