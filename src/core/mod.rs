//! The pool's logic, free of any JavaScript type: queue, per-worker contexts,
//! deadlines, settle-once, stats. The binding drives it; tests drive it with a
//! fake host.

pub mod backoff;
pub mod event;
pub mod handlers;
pub mod host;
pub mod ids;
pub mod metrics;
pub mod pool;
pub mod queue;
pub mod stats;
pub mod task;
pub mod timer;
pub mod worker_context;

pub use backoff::Backoff;
pub use event::{Event, Outcome, Stopping, WorkerExit};
pub use handlers::HandlerSpec;
pub use host::{Doorbell, Host, Launcher};
pub use ids::{HandlerId, TaskId, TaskIdHasher, WorkerId};
pub use pool::{Pool, PoolConfig, SubmitError};
pub use stats::{ExportedTimes, PoolStats};
pub use task::{Delivery, NewTask};
pub use timer::{TimerThread, Timers};
pub use worker_context::{ExitReason, RetireReason};
