#!/usr/bin/env bash
# What npm run build:all needs beyond the machine's Rust: the other
# targets' standard libraries, zig (from PyPI) and cargo-zigbuild (from
# crates.io), which links every target with zig.
set -euo pipefail
cd "$(dirname "$0")/.."
targets=$(node -p "Object.values(require('./lib/platform').PLATFORMS).map((p) => p.rustTarget).join(' ')")
# shellcheck disable=SC2086
rustup target add $targets
python3 -m ziglang version >/dev/null 2>&1 || python3 -m pip install --quiet --root-user-action=ignore ziglang==0.17.1
command -v cargo-zigbuild >/dev/null || cargo install --locked --quiet cargo-zigbuild@0.24.1
echo "zig $(python3 -m ziglang version), $(cargo-zigbuild --version)"
