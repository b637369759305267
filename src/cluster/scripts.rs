//! The Lua scripts of the protocol, each with the shared prelude prepended.
//! `Script::invoke_async` sends EVALSHA and loads the script on NOSCRIPT, so
//! a Redis restart costs one extra round trip, not an error.

use std::sync::LazyLock;

use redis::Script;

macro_rules! script {
    ($name:ident, $file:literal) => {
        pub static $name: LazyLock<Script> =
            LazyLock::new(|| Script::new(concat!(include_str!("scripts/prelude.lua"), include_str!($file))));
    };
}

script!(SUBMIT, "scripts/submit.lua");
script!(SETTLE, "scripts/settle.lua");
script!(REJECT, "scripts/reject.lua");
script!(CLAIM, "scripts/claim.lua");
script!(TAKE_BACK, "scripts/takeback.lua");
script!(RENEW, "scripts/renew.lua");
script!(HEARTBEAT, "scripts/heartbeat.lua");
script!(ABORT, "scripts/abort.lua");
script!(READ, "scripts/read.lua");
script!(RELEASE, "scripts/release.lua");
script!(LEAVE, "scripts/leave.lua");
script!(STATS, "scripts/stats.lua");
script!(AUDIT, "scripts/audit.lua");
