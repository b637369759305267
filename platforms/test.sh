#!/usr/bin/env bash
# Where the package runs, each platform tested as far as this machine
# allows (npm run test:platforms; after npm ci):
# - the code for macOS and Windows linted (clippy: they cannot run here);
# - every prebuilt binary built (npm run build:all) and checked statically,
#   and the packed tarballs installed as npm installs them;
# - the runtime contract under Bun and Deno (installed from npm);
# - the suite on Node 22, 24 and 26 (Node 20, the machine's, runs it all in
#   npm test);
# - the arm64 glibc binary run under qemu (a part of the contract tests:
#   ARM64_TESTS=all for all of them, which takes about half an hour; see
#   docs/platforms.md for those that emulation cannot pass).
set -euo pipefail
cd "$(dirname "$0")/.."
platforms/toolchain.sh
platforms/lint-cross.sh
npm run build:all
platforms/runtimes.sh install
platforms/arm64.sh setup
npx jest --config __test__/platforms/jest.config.js
platforms/node-versions.sh 22 24 26
platforms/wine.sh # the Windows binary under Wine: the contract, both kinds of workers (docs/platforms.md, "Windows under Wine")
if [ "${ARM64_TESTS:-}" = all ]; then
  platforms/arm64.sh
else
  platforms/arm64.sh -- __test__/results.test.js __test__/errors.test.js __test__/crash.test.js \
    __test__/timeout.test.js __test__/abort.test.js __test__/dispose.test.js
fi
