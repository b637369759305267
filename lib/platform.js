'use strict'

/**
 * The platforms this package has prebuilt binaries for, and which one this
 * process runs on. A platform is named as napi-rs names it
 * (`<os>-<arch>[-<libc>]`): its binary is `parallel-processor.<name>.node`,
 * shipped in the package `parallel-processor-<name>` (under npm/<name>/ in
 * the repository).
 */
const fs = require('node:fs')

/** Name -> Rust target and npm's os/cpu/libc fields. */
const PLATFORMS = {
  'linux-x64-gnu': { rustTarget: 'x86_64-unknown-linux-gnu', os: 'linux', cpu: 'x64', libc: 'glibc' },
  'linux-arm64-gnu': { rustTarget: 'aarch64-unknown-linux-gnu', os: 'linux', cpu: 'arm64', libc: 'glibc' },
  'linux-x64-musl': { rustTarget: 'x86_64-unknown-linux-musl', os: 'linux', cpu: 'x64', libc: 'musl' },
  'linux-arm64-musl': { rustTarget: 'aarch64-unknown-linux-musl', os: 'linux', cpu: 'arm64', libc: 'musl' },
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

/** `{ name, description }` of this process's platform; `name` is null where none could apply. */
function currentPlatform() {
  const { platform, arch } = process
  if (platform !== 'linux') return { name: `${platform}-${arch}`, description: `${platform} ${arch}, Node ${process.version}` }
  const libc = linuxLibc()
  return { name: `linux-${arch}-${libc}`, description: `linux ${arch} with ${libc === 'gnu' ? 'glibc' : 'musl'}, Node ${process.version}` }
}

module.exports = { PLATFORMS, packageOf, fileOf, currentPlatform }
