#!/usr/bin/env bash
# Bun and Deno: installs both from the npm registry (pinned versions) into
# .cache/runtimes/ (git-ignored), then runs the runtime contract script
# (__test__/runtimes/contract.cjs) under Node, Bun and Deno, each with thread
# and process workers. The addon must be built first (`npm ci`).
#
#   platforms/runtimes.sh            install, then test under every runtime
#   platforms/runtimes.sh install    install only
#   platforms/runtimes.sh test       test only (what is installed)
#
# Set RUNTIMES_DIR to install elsewhere.
set -euo pipefail
cd "$(dirname "$0")/.."

BUN_VERSION=1.4.5
DENO_VERSION=2.9.6
DIR="${RUNTIMES_DIR:-$PWD/.cache/runtimes}"
BUN="$DIR/node_modules/@oven/bun-linux-x64/bin/bun"
# The `deno` package's own install step only copies this binary.
DENO="$DIR/node_modules/@deno/linux-x64-glibc/deno"

install() {
  if [ "$(uname -s)-$(uname -m)" != Linux-x86_64 ]; then
    echo "platforms/runtimes.sh installs the Linux x64 builds only" >&2
    exit 1
  fi
  if [ -x "$BUN" ] && [ -x "$DENO" ] \
    && [ "$("$BUN" --version)" = "$BUN_VERSION" ] \
    && [ "$("$DENO" --version | head -n 1 | cut -d ' ' -f 2)" = "$DENO_VERSION" ]; then
    return
  fi
  mkdir -p "$DIR"
  # No install scripts: each binary is in its platform package.
  npm install --prefix "$DIR" --no-save --no-package-lock --ignore-scripts --no-audit --no-fund \
    "@oven/bun-linux-x64@$BUN_VERSION" "@deno/linux-x64-glibc@$DENO_VERSION"
}

versions() {
  echo "node $(node --version | cut -c 2-)"
  echo "bun $("$BUN" --version)"
  "$DENO" --version | head -n 1
}

run() {
  local name=$1
  shift
  local start=$SECONDS
  echo "== $name"
  if "$@" __test__/runtimes/contract.cjs; then
    echo "== $name: passed ($((SECONDS - start)) s)"
  else
    echo "== $name: FAILED ($((SECONDS - start)) s)" >&2
    failed+=("$name")
  fi
}

test_all() {
  for bin in "$BUN" "$DENO"; do
    [ -x "$bin" ] || { echo "$bin is missing: run platforms/runtimes.sh install" >&2; exit 1; }
  done
  versions
  failed=()
  run node node
  run bun "$BUN"
  run deno "$DENO" run -A
  if [ ${#failed[@]} -gt 0 ]; then
    echo "runtime contract failed under: ${failed[*]}" >&2
    exit 1
  fi
  echo "runtime contract passed under node, bun and deno"
}

case "${1:-all}" in
  install) install; versions ;;
  test) test_all ;;
  all) install; test_all ;;
  *) echo "usage: platforms/runtimes.sh [install|test|all]" >&2; exit 2 ;;
esac
