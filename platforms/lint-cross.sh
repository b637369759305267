#!/usr/bin/env bash
# The code for the systems that cannot run here, compiled and linted all the
# same: clippy with -D warnings, every target of the crate (tests too), for
# both Macs, with zig as the C compiler (ring's build script compiles C for
# the target), through cargo-zigbuild (platforms/toolchain.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
for target in x86_64-apple-darwin aarch64-apple-darwin; do
  rustup target add "$target" >/dev/null
  echo "== clippy --target $target"
  cargo-zigbuild clippy --target "$target" --all-targets -- -D warnings
done
