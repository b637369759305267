//! The Lua scripts of an orchestrator shared by replicas, each with the
//! shared prelude prepended (see `prelude.lua` for the keys and arguments).

use std::sync::LazyLock;

use redis::Script;

macro_rules! script {
    ($name:ident, $file:literal) => {
        pub static $name: LazyLock<Script> =
            LazyLock::new(|| Script::new(concat!(include_str!("scripts/prelude.lua"), include_str!($file))));
    };
}

script!(HEARTBEAT, "scripts/heartbeat.lua");
script!(COMMIT, "scripts/commit.lua");
script!(LOAD, "scripts/load.lua");
script!(SEND, "scripts/send.lua");
script!(LEAVE, "scripts/leave.lua");
script!(DEFINE, "scripts/define.lua");
