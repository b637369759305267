'use strict'

/**
 * The platforms this package has prebuilt binaries for, and which one this
 * process runs on. A platform is named as napi-rs names it
 * (`<os>-<arch>[-<libc>]`): its binary is `parallel-processor.<name>.node`,
 * shipped in the package `parallel-processor-<name>` (under npm/<name>/ in
 * the repository).
 */
const fs = require('node:fs')

/**
 * Name -> Rust target and npm's os/cpu/libc fields (`libc` on Linux only:
 * npm reads it there alone). The Windows binary is built with MinGW-w64
 * (`x86_64-pc-windows-gnu`), hence napi-rs's `-gnu` name rather than
 * `-msvc`: it needs no Visual C++ runtime, only DLLs every Windows has.
 */
const PLATFORMS = {
  'linux-x64-gnu': { rustTarget: 'x86_64-unknown-linux-gnu', os: 'linux', cpu: 'x64', libc: 'glibc' },
  'linux-arm64-gnu': { rustTarget: 'aarch64-unknown-linux-gnu', os: 'linux', cpu: 'arm64', libc: 'glibc' },
  'linux-x64-musl': { rustTarget: 'x86_64-unknown-linux-musl', os: 'linux', cpu: 'x64', libc: 'musl' },
  'linux-arm64-musl': { rustTarget: 'aarch64-unknown-linux-musl', os: 'linux', cpu: 'arm64', libc: 'musl' },
  'darwin-x64': { rustTarget: 'x86_64-apple-darwin', os: 'darwin', cpu: 'x64' },
  'darwin-arm64': { rustTarget: 'aarch64-apple-darwin', os: 'darwin', cpu: 'arm64' },
  'win32-x64-gnu': { rustTarget: 'x86_64-pc-windows-gnu', os: 'win32', cpu: 'x64' },
}

const packageOf = (name) => `parallel-processor-${name}`
const fileOf = (name) => `parallel-processor.${name}.node`

/**
 * The C library of this Linux process. `ldd` names musl on a musl system
 * (its loader is what it runs), and reading it takes a fraction of a
 * millisecond: every worker thread loads the addon, and the process report,
 * the fallback where there is no `ldd`, costs a few milliseconds each time
 * (it names glibc's version; musl's loader shows among its shared objects).
 */
function linuxLibc() {
  try {
    return fs.readFileSync('/usr/bin/ldd', 'utf8').includes('musl') ? 'musl' : 'gnu'
  } catch {
    // No ldd (a slim container): ask the process.
  }
  if (typeof process.report?.getReport === 'function') {
    // No network in the report: gathering it can take seconds.
    process.report.excludeNetwork = true
    const report = process.report.getReport()
    const header = typeof report === 'string' ? JSON.parse(report).header : report?.header
    if (header?.glibcVersionRuntime) return 'gnu'
    const objects = typeof report === 'object' ? report?.sharedObjects : undefined
    if (Array.isArray(objects) && objects.some((file) => /ld-musl-|libc\.musl-/.test(file))) return 'musl'
  }
  try {
    return fs.readdirSync('/lib').some((file) => file.startsWith('ld-musl-')) ? 'musl' : 'gnu'
  } catch {
    return 'gnu'
  }
}

/**
 * This process's platform: `name`, that of its package; `localBuilds`, the
 * names a local build of it may have (napi-rs names a Windows build after
 * its Rust toolchain: `-msvc`, Rust's default there, or `-gnu`, as the
 * published one is built); `description`, for messages. Only on Linux is
 * the C library asked for: on macOS and Windows there is one per system,
 * and nothing there runs `ldd` or reads a process report.
 */
function currentPlatform() {
  const { platform, arch } = process
  const description = `${platform} ${arch}, Node ${process.version}`
  if (platform === 'linux') {
    const libc = linuxLibc()
    const name = `linux-${arch}-${libc}`
    return { name, localBuilds: [name], description: `linux ${arch} with ${libc === 'gnu' ? 'glibc' : 'musl'}, Node ${process.version}` }
  }
  if (platform === 'win32') {
    // The published binary is MinGW's (see PLATFORMS): it loads in any
    // Node for Windows, whichever compiler built that Node.
    return { name: `win32-${arch}-gnu`, localBuilds: [`win32-${arch}-msvc`, `win32-${arch}-gnu`], description }
  }
  return { name: `${platform}-${arch}`, localBuilds: [`${platform}-${arch}`], description }
}

module.exports = { PLATFORMS, packageOf, fileOf, currentPlatform }
