'use strict'

/**
 * Builds the binary of every prebuilt platform (lib/platform.js) into its
 * package under npm/<platform>/, from this machine (linux x64):
 *
 *   node platforms/build-all.js [platform...]     (npm run build:all)
 *
 * Every target links with zig through cargo-zigbuild. The glibc ones are
 * built against glibc 2.28 (the `.2.28` suffix of the target): they run on
 * any glibc from 2.28 on (Debian 10, RHEL 8, Ubuntu 18.10 and later), and
 * __test__/package/binaries.test.js checks that no symbol asks for more.
 * The musl ones link musl dynamically (`-crt-static`): an addon is loaded
 * by a Node that already has its C library.
 *
 * Needs: rustup's targets (`rustup target add <target>`), zig
 * (`pip install ziglang`) and cargo-zigbuild (`cargo install cargo-zigbuild`);
 * platforms/toolchain.sh installs them.
 */
const fs = require('node:fs')
const path = require('node:path')
const { execFileSync } = require('node:child_process')
const { PLATFORMS, fileOf } = require('../lib/platform')

const ROOT = path.join(__dirname, '..')
/** The oldest glibc the glibc builds must run on. */
const GLIBC = '2.28'

function build(name) {
  const { rustTarget, libc } = PLATFORMS[name]
  const target = libc === 'glibc' ? `${rustTarget}.${GLIBC}` : rustTarget
  const env = { ...process.env }
  if (libc === 'musl') {
    // Rust links musl statically by default, which a shared library cannot.
    const key = `CARGO_TARGET_${rustTarget.toUpperCase().replace(/-/g, '_')}_RUSTFLAGS`
    env[key] = [env[key], '-C target-feature=-crt-static'].filter(Boolean).join(' ')
  }
  process.stderr.write(`build-all: ${name} (${target})\n`)
  execFileSync('cargo', ['zigbuild', '--release', '--lib', '--target', target], { cwd: ROOT, env, stdio: 'inherit' })
  const built = path.join(ROOT, 'target', rustTarget, 'release', 'libparallel_processor.so')
  const into = path.join(ROOT, 'npm', name, fileOf(name))
  fs.copyFileSync(built, into)
  process.stderr.write(`build-all: ${path.relative(ROOT, into)}\n`)
}

const wanted = process.argv.slice(2)
for (const name of wanted) {
  if (!PLATFORMS[name]) throw new Error(`unknown platform ${name}; known: ${Object.keys(PLATFORMS).join(', ')}`)
}
for (const name of wanted.length > 0 ? wanted : Object.keys(PLATFORMS)) build(name)
