'use strict'

/**
 * Where the binary comes from, seen from a fresh process: what loads, and
 * the one error a platform without a binary gets (its platform, what was
 * looked for, the npm bug that usually causes it, how to build one).
 */
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { spawnSync } = require('node:child_process')

const ROOT = path.join(__dirname, '..', '..')

/** Requires the package at `root` in a fresh Node; `before` runs first. Returns the error's fields, or `{ loaded: true }`. */
function requireIn(root, { before = '', env = {} } = {}) {
  const code = `${before}
    try { require(${JSON.stringify(root)}); console.log(JSON.stringify({ loaded: true })) }
    catch (error) { console.log(JSON.stringify({ code: error.code, platform: error.platform, message: error.message, cause: error.cause?.message })) }`
  const result = spawnSync(process.execPath, ['-e', code], { encoding: 'utf8', env: { ...process.env, PARALLEL_PROCESSOR_NATIVE: '', ...env } })
  expect(result.stderr).toBe('')
  return JSON.parse(result.stdout)
}

/** The package without any binary: its JavaScript alone, as npm would lay it out if it skipped the optional dependency. */
function packageWithoutBinaries() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pp-loader-'))
  for (const entry of ['index.js', 'lib', 'package.json']) fs.cpSync(path.join(ROOT, entry), path.join(dir, entry), { recursive: true })
  return dir
}

test('the local build loads here', () => {
  expect(requireIn(ROOT)).toEqual({ loaded: true })
})

test('a platform with no prebuilt binary gets one error naming it, what was looked for, and how to build one', () => {
  const outcome = requireIn(ROOT, { before: "Object.defineProperty(process, 'arch', { value: 'riscv64' })" })
  expect(outcome.code).toBe('ERR_NATIVE_BINARY_MISSING')
  expect(outcome.platform).toBe('linux-riscv64-gnu')
  expect(outcome.message).toContain('no native binary could be loaded for linux riscv64 with glibc')
  expect(outcome.message).toContain('parallel-processor.linux-riscv64-gnu.node: not found')
  expect(outcome.message).toContain('the package parallel-processor-linux-riscv64-gnu: not installed')
  expect(outcome.message).toContain('Prebuilt binaries exist for linux-x64-gnu, linux-arm64-gnu, linux-x64-musl, linux-arm64-musl')
  expect(outcome.message).toContain('npx @napi-rs/cli build --platform --release --output-dir native --no-js')
})

test('a platform whose package npm skipped is told about the optional-dependencies bug', () => {
  const dir = packageWithoutBinaries()
  try {
    const outcome = requireIn(dir)
    expect(outcome.code).toBe('ERR_NATIVE_BINARY_MISSING')
    expect(outcome.platform).toBe('linux-x64-gnu')
    expect(outcome.message).toContain('in the optional dependency parallel-processor-linux-x64-gnu')
    expect(outcome.message).toContain('https://github.com/npm/cli/issues/4828')
    expect(outcome.message).toContain('Delete node_modules and package-lock.json')
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
})

test('PARALLEL_PROCESSOR_NATIVE names the one binary to load: a broken one fails with its own error, never another in its place', () => {
  const bad = path.join(os.tmpdir(), `pp-not-a-binary-${process.pid}.node`)
  fs.writeFileSync(bad, 'not an ELF file')
  try {
    const outcome = requireIn(ROOT, { env: { PARALLEL_PROCESSOR_NATIVE: bad } })
    expect(outcome.code).toBe('ERR_NATIVE_BINARY_MISSING')
    expect(outcome.message).toContain(`PARALLEL_PROCESSOR_NATIVE=${bad}`)
    expect(outcome.cause).toMatch(/invalid ELF header|file too short/)
    const local = path.join(ROOT, 'native', 'parallel-processor.linux-x64-gnu.node')
    expect(requireIn(ROOT, { env: { PARALLEL_PROCESSOR_NATIVE: local } })).toEqual({ loaded: true })
  } finally {
    fs.rmSync(bad, { force: true })
  }
})
