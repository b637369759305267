'use strict'

/**
 * The binary of every prebuilt platform (npm run build:all), checked
 * statically, as it will be published: a shared library in its system's
 * format for its architecture, exporting the entry point Node calls, and
 * needing nothing from its system that is not always there:
 * - Linux (readelf): ELF, linked against its C library (glibc: no symbol
 *   version past 2.28; musl: nothing of glibc);
 * - macOS (llvm-objdump): Mach-O, libSystem and no framework; Node-API's
 *   functions left to the process that loads it (`-undefined
 *   dynamic_lookup`), bound to no library;
 * - Windows (llvm-readobj): a PE32+ DLL importing system DLLs only; Node-API's
 *   functions looked up at load time in the process that loads it (napi's
 *   `dyn-symbols`, see platforms/build-all.js), so nothing from node.exe.
 * And the loader, on each system, looks for that platform's package. The
 * binaries this machine can run are also run (see the platform scripts).
 */
const fs = require('node:fs')
const path = require('node:path')
const { execFileSync } = require('node:child_process')
const { PLATFORMS, fileOf, packageOf } = require('../../lib/platform')

const ROOT = path.join(__dirname, '..', '..')
const MAIN = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'))
/** ELF e_machine values. */
const MACHINE = { x64: 'Advanced Micro Devices X86-64', arm64: 'AArch64' }
/** Mach-O cputype, as llvm-objdump --private-header names it. */
const MACHO_CPU = { x64: 'X86_64', arm64: 'ARM64' }
const OLDEST_GLIBC = [2, 28]
/**
 * The libraries a macOS binary may need: libSystem (the C library, threads,
 * sockets), in every macOS. (The libc crate asks for libiconv, which
 * nothing calls; build.rs has the linker drop what is unused.) No framework:
 * Security and CoreFoundation would not link here without Apple's SDK, and
 * are not wanted.
 */
const DARWIN_LIBRARIES = ['/usr/lib/libSystem.B.dylib']
/**
 * The DLLs a Windows binary may import, all part of every Windows that
 * Rust's std supports (10 and later): what std and tokio's sockets use
 * (kernel32, ntdll, ws2_32, userenv, bcryptprimitives for random bytes,
 * WaitOnAddress's api set), the C runtime MinGW builds against (msvcrt),
 * ring's random bytes (bcrypt), and the system's certificate store, read
 * for TLS by rustls-native-certs through schannel (crypt32, ncrypt,
 * secur32, advapi32).
 */
const WINDOWS_DLLS = [
  'kernel32.dll', 'ntdll.dll', 'ws2_32.dll', 'userenv.dll', 'bcryptprimitives.dll', 'api-ms-win-core-synch-l1-2-0.dll', 'msvcrt.dll',
  'bcrypt.dll', 'crypt32.dll', 'ncrypt.dll', 'secur32.dll', 'advapi32.dll',
]

const run = (command, ...args) => execFileSync(command, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
const readelf = (...args) => run('readelf', '-W', ...args)

describe.each(Object.entries(PLATFORMS))('%s', (name, platform) => {
  const dir = path.join(ROOT, 'npm', name)
  const binary = path.join(dir, fileOf(name))
  const built = () => expect(fs.existsSync(binary) ? binary : `${binary} is missing: run npm run build:all`).toBe(binary)

  test('its package says where it runs, at the main package\'s version', () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'))
    expect(manifest).toMatchObject({
      name: packageOf(name),
      version: MAIN.version,
      os: [platform.os],
      cpu: [platform.cpu],
      main: fileOf(name),
      files: [fileOf(name)],
    })
    // npm reads libc on Linux only.
    if (platform.os === 'linux') expect(manifest.libc).toEqual([platform.libc])
    else expect(manifest).not.toHaveProperty('libc')
    expect(MAIN.napi.targets).toContain(platform.rustTarget)
  })

  test(`on ${platform.os} ${platform.cpu}${platform.libc ? ` with ${platform.libc}` : ''}, the loader looks for its package${platform.os === 'linux' ? '' : ', and never runs ldd'}`, () => {
    // A fresh Node that believes it runs there: what it reads to tell the
    // C library apart, and what the loader looked for.
    const script = `
      const fs = require('node:fs')
      Object.defineProperty(process, 'platform', { value: ${JSON.stringify(platform.os)} })
      Object.defineProperty(process, 'arch', { value: ${JSON.stringify(platform.cpu)} })
      const asked = []
      const readFileSync = fs.readFileSync
      fs.readFileSync = (file, ...rest) => {
        if (file === '/usr/bin/ldd') { asked.push('ldd'); return ${JSON.stringify(platform.libc === 'musl' ? 'exec /lib/ld-musl-x86_64.so.1 --list "$@"' : 'GNU C Library')} }
        return readFileSync(file, ...rest)
      }
      const getReport = process.report.getReport
      process.report.getReport = (...args) => { asked.push('report'); return getReport.apply(process.report, args) }
      const { currentPlatform } = require(${JSON.stringify(path.join(ROOT, 'lib', 'platform.js'))})
      const { name } = currentPlatform()
      let error = null
      if (process.platform !== 'linux') {
        // No local build nor package for it here: the loader says what it looked for.
        try { require(${JSON.stringify(path.join(ROOT, 'lib', 'native.js'))}) } catch (caught) { error = { code: caught.code, platform: caught.platform, message: caught.message } }
      }
      console.log(JSON.stringify({ name, asked, error }))`
    const outcome = JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8', env: { ...process.env, PARALLEL_PROCESSOR_NATIVE: '' } }))
    expect(outcome.name).toBe(name)
    if (platform.os === 'linux') {
      expect(outcome.asked).toEqual(['ldd'])
      return
    }
    expect(outcome.asked).toEqual([])
    expect(outcome.error).toMatchObject({ code: 'ERR_NATIVE_BINARY_MISSING', platform: name })
    expect(outcome.error.message).toContain(`the package ${packageOf(name)}: not installed`)
    expect(outcome.error.message).toContain(`in the optional dependency ${packageOf(name)}`)
    expect(outcome.error.message).toContain(`native/${fileOf(name)}: not found`)
  })

  if (platform.os === 'linux') {
    test('its binary is a shared library for its architecture that exports napi_register_module_v1', () => {
      built()
      const header = readelf('-h', binary)
      expect(header).toMatch(/Class:\s+ELF64/)
      expect(header).toMatch(/Type:\s+DYN/)
      expect(header).toContain(MACHINE[platform.cpu])
      const exported = readelf('--dyn-syms', binary).split('\n').filter((line) => / FUNC +GLOBAL +DEFAULT +\d+ /.test(line))
      expect(exported.map((line) => line.trim().split(/\s+/).pop())).toContain('napi_register_module_v1')
    })

    test(`its binary needs nothing of its C library that ${platform.libc === 'glibc' ? 'glibc 2.28 lacks' : 'musl lacks'}`, () => {
      built()
      const needed = [...readelf('-d', binary).matchAll(/\(NEEDED\)\s+Shared library: \[(.+)\]/g)].map((match) => match[1])
      const versions = [...new Set([...readelf('-V', binary).matchAll(/GLIBC_(\d+)\.(\d+)/g)].map((match) => `${match[1]}.${match[2]}`))]
      if (platform.libc === 'glibc') {
        expect(needed).toContain('libc.so.6')
        const newer = versions.filter((version) => {
          const [major, minor] = version.split('.').map(Number)
          return major > OLDEST_GLIBC[0] || (major === OLDEST_GLIBC[0] && minor > OLDEST_GLIBC[1])
        })
        expect(newer).toEqual([])
      } else {
        expect(versions).toEqual([])
        expect(needed).toEqual(['libc.so'])
      }
    })
  }

  if (platform.os === 'darwin') {
    test('its binary is a Mach-O dynamic library for its architecture that exports napi_register_module_v1', () => {
      built()
      // magic cputype cpusubtype caps filetype ...: one architecture, not a fat file.
      const header = run('llvm-objdump', '--macho', '--private-header', binary)
      const fields = header.split('\n').find((line) => /^\s*MH_MAGIC_64\s/.test(line))?.trim().split(/\s+/)
      expect(fields?.[1]).toBe(MACHO_CPU[platform.cpu])
      expect(['DYLIB', 'BUNDLE']).toContain(fields?.[4])
      const exported = run('llvm-objdump', '--macho', '--exports-trie', binary).split('\n').map((line) => line.trim().split(/\s+/).pop())
      expect(exported).toContain('_napi_register_module_v1')
    })

    test('its binary needs libSystem alone, no framework, and leaves Node-API to the process that loads it', () => {
      built()
      // The libraries its load commands ask for (not LC_ID_DYLIB, its own name).
      const commands = run('llvm-objdump', '--macho', '--private-headers', binary).split(/^\s*cmd /m).slice(1)
      const libraries = commands.filter((command) => /^LC_(LOAD|LOAD_WEAK|REEXPORT|LAZY_LOAD|LOAD_UPWARD)_DYLIB\s/.test(command)).map((command) => command.match(/^\s*name (\S+) \(offset/m)[1])
      expect(libraries.filter((library) => library.includes('.framework/'))).toEqual([])
      expect(libraries.filter((library) => !DARWIN_LIBRARIES.includes(library))).toEqual([])
      expect(libraries).toContain('/usr/lib/libSystem.B.dylib')
      // Its own name is its file's, not a path on the machine that built it.
      const own = commands.find((command) => /^LC_ID_DYLIB\s/.test(command))
      expect(own.match(/^\s*name (\S+) \(offset/m)[1]).toBe('@rpath/parallel-processor.node')
      // Every Node-API function it calls is looked up in the flat namespace
      // (the process), bound to no library.
      const binds = run('llvm-objdump', '--macho', '--bind', '--lazy-bind', binary).split('\n').filter((line) => /\b_napi_\w+/.test(line))
      expect(binds.length).toBeGreaterThan(10)
      expect(binds.filter((line) => !/flat-namespace/.test(line))).toEqual([])
    })
  }

  if (platform.os === 'win32') {
    test('its binary is a PE32+ x86-64 DLL that exports napi_register_module_v1', () => {
      built()
      const header = run('llvm-readobj', '--file-headers', binary)
      expect(header).toMatch(/Format: COFF-x86-64/)
      expect(header).toMatch(/Machine: IMAGE_FILE_MACHINE_AMD64/)
      expect(header).toMatch(/Magic: 0x20B/)
      expect(header).toMatch(/IMAGE_FILE_DLL/)
      const exported = [...run('llvm-readobj', '--coff-exports', binary).matchAll(/^\s*Name: (\S+)$/gm)].map((match) => match[1])
      expect(exported).toContain('napi_register_module_v1')
    })

    test('its binary imports system DLLs alone: nothing from node.exe, no C or C++ runtime of MinGW\'s', () => {
      built()
      const imports = run('llvm-readobj', '--coff-imports', binary)
      const dlls = [...new Set([...imports.matchAll(/^\s*Name: (\S+\.(?:dll|exe))$/gim)].map((match) => match[1].toLowerCase()))]
      expect(dlls).toContain('kernel32.dll')
      expect(dlls.filter((dll) => !WINDOWS_DLLS.includes(dll))).toEqual([])
      // And no Node-API function bound at link time, from whatever module.
      expect(imports).not.toMatch(/Symbol: napi_/)
    })
  }
})
