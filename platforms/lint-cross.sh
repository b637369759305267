#!/usr/bin/env bash
# The code for the systems that cannot run here, compiled and linted all the
# same: clippy with -D warnings, every target of the crate (tests too), for
#  - both Macs, with zig as the C compiler (ring's build script compiles C
#    for the target), through cargo-zigbuild;
#  - Windows x64 as platforms/build-all.js builds it: MinGW-w64's gcc as the
#    C compiler, napi's `dyn-symbols`, and the empty import library that
#    napi-build insists on (LIBNODE_PATH).
# platforms/toolchain.sh installs what this needs.
set -euo pipefail
cd "$(dirname "$0")/.."
for target in x86_64-apple-darwin aarch64-apple-darwin; do
  rustup target add "$target" >/dev/null
  echo "== clippy --target $target"
  cargo-zigbuild clippy --target "$target" --all-targets -- -D warnings
done
target=x86_64-pc-windows-gnu
rustup target add "$target" >/dev/null
echo "== clippy --target $target"
LIBNODE_PATH=$(node platforms/build-all.js --libnode) \
  cargo clippy --target "$target" --all-targets --features napi/dyn-symbols -- -D warnings
