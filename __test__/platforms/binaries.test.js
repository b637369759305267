'use strict'

/**
 * The binary of every prebuilt platform (npm run build:all), checked
 * statically, as it will be published: an ELF shared library for its
 * architecture, linked against its C library (glibc: no symbol version past
 * 2.28; musl: nothing of glibc), exporting the entry point Node calls. The
 * ones this machine can run are also run (see the platform scripts).
 */
const fs = require('node:fs')
const path = require('node:path')
const { execFileSync } = require('node:child_process')
const { PLATFORMS, fileOf, packageOf } = require('../../lib/platform')

const ROOT = path.join(__dirname, '..', '..')
const MAIN = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'))
/** ELF e_machine values. */
const MACHINE = { x64: 'Advanced Micro Devices X86-64', arm64: 'AArch64' }
const OLDEST_GLIBC = [2, 28]

const readelf = (...args) => execFileSync('readelf', ['-W', ...args], { encoding: 'utf8' })

describe.each(Object.entries(PLATFORMS))('%s', (name, platform) => {
  const dir = path.join(ROOT, 'npm', name)
  const binary = path.join(dir, fileOf(name))

  test('its package says where it runs, at the main package\'s version', () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'))
    expect(manifest).toMatchObject({
      name: packageOf(name),
      version: MAIN.version,
      os: [platform.os],
      cpu: [platform.cpu],
      libc: [platform.libc],
      main: fileOf(name),
      files: [fileOf(name)],
    })
    expect(MAIN.napi.targets).toContain(platform.rustTarget)
  })

  test('its binary is a shared library for its architecture that exports napi_register_module_v1', () => {
    expect(fs.existsSync(binary) ? binary : `${binary} is missing: run npm run build:all`).toBe(binary)
    const header = readelf('-h', binary)
    expect(header).toMatch(/Class:\s+ELF64/)
    expect(header).toMatch(/Type:\s+DYN/)
    expect(header).toContain(MACHINE[platform.cpu])
    const exported = readelf('--dyn-syms', binary).split('\n').filter((line) => / FUNC +GLOBAL +DEFAULT +\d+ /.test(line))
    expect(exported.map((line) => line.trim().split(/\s+/).pop())).toContain('napi_register_module_v1')
  })

  test(`its binary needs nothing of its C library that ${platform.libc === 'glibc' ? 'glibc 2.28 lacks' : 'musl lacks'}`, () => {
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
})
