#!/usr/bin/env bash
# What npm run build:all and the binaries' checks need beyond the machine's
# Rust: the other targets' standard libraries; zig (from PyPI) and
# cargo-zigbuild (from crates.io), which link the Linux and macOS targets;
# Debian's MinGW-w64, which links the Windows one (and whose dlltool makes
# the import library napi-build asks for, see platforms/build-all.js); and
# Debian's llvm, whose llvm-objdump and llvm-readobj read Mach-O and PE
# files (__test__/platforms/binaries.test.js).
set -euo pipefail
cd "$(dirname "$0")/.."
targets=$(node -p "Object.values(require('./lib/platform').PLATFORMS).map((p) => p.rustTarget).join(' ')")
# shellcheck disable=SC2086
rustup target add $targets
python3 -m ziglang version >/dev/null 2>&1 || python3 -m pip install --quiet --root-user-action=ignore ziglang==0.17.1
command -v cargo-zigbuild >/dev/null || cargo install --locked --quiet cargo-zigbuild@0.24.1

# Debian packages: x86_64-w64-mingw32-gcc and -dlltool; llvm-objdump, llvm-readobj.
missing=()
command -v x86_64-w64-mingw32-gcc >/dev/null && command -v x86_64-w64-mingw32-dlltool >/dev/null || missing+=(gcc-mingw-w64-x86-64 binutils-mingw-w64-x86-64)
command -v llvm-objdump >/dev/null && command -v llvm-readobj >/dev/null || missing+=(llvm)
if [ ${#missing[@]} -gt 0 ]; then
  as_root=()
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null || { echo "toolchain: ${missing[*]} missing and no way to install them" >&2; exit 1; }
    as_root=(sudo)
  fi
  export DEBIAN_FRONTEND=noninteractive
  "${as_root[@]}" apt-get install -y --no-install-recommends "${missing[@]}" \
    || { "${as_root[@]}" apt-get update && "${as_root[@]}" apt-get install -y --no-install-recommends "${missing[@]}"; }
fi

echo "zig $(python3 -m ziglang version), $(cargo-zigbuild --version), $(x86_64-w64-mingw32-gcc --version | head -1), llvm $(llvm-objdump --version | sed -n 's/.*LLVM version //p' | head -1)"
