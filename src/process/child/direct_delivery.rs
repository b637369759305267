//! Sending newly assigned tasks from the thread that called into the pool,
//! rather than waking the child's writer for them.

use std::cell::RefCell;
use std::sync::Arc;

use super::ChildWorker;

thread_local! {
    /// While `deliver_directly` runs on this thread: the children it rang.
    static DIRECT_DELIVERY: RefCell<Option<Vec<Arc<ChildWorker>>>> = const { RefCell::new(None) };
}

/// Runs `call` (a call into the pool, which may assign tasks to idle
/// children) and then sends those tasks from this thread, once the pool's
/// lock is released: one thread wake-up less on the way to the child than
/// going through its writer. Sending never blocks (the socket is
/// non-blocking; the writer finishes what it cannot take).
pub fn deliver_directly<T>(call: impl FnOnce() -> T) -> T {
    let outer = DIRECT_DELIVERY.with(|children| children.borrow_mut().replace(Vec::new()));
    let result = call();
    let rung = DIRECT_DELIVERY.with(|children| std::mem::replace(&mut *children.borrow_mut(), outer));
    for child in rung.unwrap_or_default() {
        child.send_assigned();
    }
    result
}

/// For a `ChildDoorbell` rung on this thread: if `deliver_directly` is
/// running here, the child is left to it (sent to once the pool's lock is
/// released) and this returns true; otherwise false, and the writer sends.
pub(super) fn defer(child: &Arc<ChildWorker>) -> bool {
    DIRECT_DELIVERY.with(|children| match children.borrow_mut().as_mut() {
        Some(children) => {
            children.push(child.clone());
            true
        }
        None => false,
    })
}
