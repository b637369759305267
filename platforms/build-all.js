'use strict'

/**
 * Builds the binary of every prebuilt platform (lib/platform.js) into its
 * package under npm/<platform>/, from this machine (linux x64):
 *
 *   node platforms/build-all.js [platform...]     (npm run build:all)
 *   node platforms/build-all.js --libnode         (prints the folder of the
 *                                                  Windows build's libnode, see below)
 *
 * The Linux and macOS targets link with zig through cargo-zigbuild. The
 * glibc ones are built against glibc 2.28 (the `.2.28` suffix of the
 * target): they run on any glibc from 2.28 on (Debian 10, RHEL 8, Ubuntu
 * 18.10 and later), and __test__/platforms/binaries.test.js checks that no
 * symbol asks for more. The musl ones link musl dynamically (`-crt-static`):
 * an addon is loaded by a Node that already has its C library. The macOS
 * ones need no SDK: zig carries libSystem's stubs, and napi-build links
 * them with `-undefined dynamic_lookup`, so Node's functions are found in
 * the process that loads them.
 *
 * Windows is built with MinGW-w64 (Debian's x86_64-w64-mingw32-gcc), target
 * `x86_64-pc-windows-gnu`: the MSVC toolchain and Windows SDK cannot be
 * fetched here. Node-API's functions are then looked up at load time, from
 * whatever process loaded the addon, with napi's `dyn-symbols` feature
 * (turned on here, for this target only; napi-rs's MSVC builds always look
 * them up this way). The other way, an import library made with dlltool
 * from node.exe's exports, binds the addon to a module named `node.exe`:
 * tried under Wine, it loaded in node.exe and failed ("Module not found")
 * in the same Node renamed, as it would in Electron, in a Node built as
 * libnode.dll, or under Bun or Deno; the looked-up one loaded in both.
 * napi-build still insists on a `libnode.dll` to link with (LIBNODE_PATH):
 * it gets an import library that names node.exe and lists no function, so
 * nothing can be bound to node.exe, and a build without `dyn-symbols` fails
 * to link rather than import from it.
 *
 * Needs: rustup's targets (`rustup target add <target>`), zig
 * (`pip install ziglang`), cargo-zigbuild (`cargo install cargo-zigbuild`)
 * and MinGW-w64 (Debian's gcc-mingw-w64-x86-64); platforms/toolchain.sh
 * installs them.
 */
const fs = require('node:fs')
const path = require('node:path')
const { execFileSync } = require('node:child_process')
const { PLATFORMS, fileOf } = require('../lib/platform')

const ROOT = path.join(__dirname, '..')
/** The oldest glibc the glibc builds must run on. */
const GLIBC = '2.28'

/**
 * The folder of the empty import library napi-build links the Windows
 * target with (see above), made once with MinGW's dlltool.
 */
function libnode() {
  const dir = path.join(ROOT, '.cache', 'libnode-empty')
  const library = path.join(dir, 'libnode.dll.a')
  if (!fs.existsSync(library)) {
    fs.mkdirSync(dir, { recursive: true })
    const def = path.join(dir, 'node.def')
    fs.writeFileSync(def, 'LIBRARY node.exe\nEXPORTS\n')
    execFileSync('x86_64-w64-mingw32-dlltool', ['--input-def', def, '--dllname', 'node.exe', '--output-lib', library], { stdio: 'inherit' })
  }
  // napi-build only checks that a libnode.dll is there; the linker, asked
  // for -lnode, takes libnode.dll.a first.
  const dll = path.join(dir, 'libnode.dll')
  if (!fs.existsSync(dll)) fs.copyFileSync(library, dll)
  return dir
}

/** The cargo command and environment that build `name`, and the file it makes. */
function command(name) {
  const { rustTarget, os, libc } = PLATFORMS[name]
  const env = { ...process.env }
  const release = path.join(ROOT, 'target', rustTarget, 'release')
  if (os === 'win32') {
    env.LIBNODE_PATH = libnode()
    return { env, args: ['build', '--release', '--lib', '--target', rustTarget, '--features', 'napi/dyn-symbols'], built: path.join(release, 'parallel_processor.dll') }
  }
  const target = libc === 'glibc' ? `${rustTarget}.${GLIBC}` : rustTarget
  if (libc === 'musl') {
    // Rust links musl statically by default, which a shared library cannot.
    const key = `CARGO_TARGET_${rustTarget.toUpperCase().replace(/-/g, '_')}_RUSTFLAGS`
    env[key] = [env[key], '-C target-feature=-crt-static'].filter(Boolean).join(' ')
  }
  const file = os === 'darwin' ? 'libparallel_processor.dylib' : 'libparallel_processor.so'
  return { env, args: ['zigbuild', '--release', '--lib', '--target', target], built: path.join(release, file) }
}

function build(name) {
  const { env, args, built } = command(name)
  process.stderr.write(`build-all: ${name} (cargo ${args.join(' ')})\n`)
  execFileSync('cargo', args, { cwd: ROOT, env, stdio: 'inherit' })
  const into = path.join(ROOT, 'npm', name, fileOf(name))
  fs.copyFileSync(built, into)
  process.stderr.write(`build-all: ${path.relative(ROOT, into)}\n`)
}

module.exports = { libnode }

if (require.main === module) {
  const wanted = process.argv.slice(2)
  if (wanted[0] === '--libnode') {
    console.log(libnode())
  } else {
    for (const name of wanted) {
      if (!PLATFORMS[name]) throw new Error(`unknown platform ${name}; known: ${Object.keys(PLATFORMS).join(', ')}`)
    }
    for (const name of wanted.length > 0 ? wanted : Object.keys(PLATFORMS)) build(name)
  }
}
