'use strict'

/**
 * The one door to the addon: the binary built for this platform, looked for
 * in order (see ./platform.js for the names):
 * 1. the file named by PARALLEL_PROCESSOR_NATIVE, when set (a build of one's
 *    own), and nothing else then;
 * 2. a local build, `native/parallel-processor.<platform>.node` (`npm run
 *    build`), which the published package does not ship: in a checkout, the
 *    binary just built wins over an installed one (on Windows, named
 *    `-msvc` or `-gnu` after the Rust toolchain that built it);
 * 3. the platform's package, `parallel-processor-<platform>`, which npm
 *    installs as an optional dependency on the platform it fits.
 * Otherwise one error says which platform this is, what was looked for and
 * what became of each, and what to do about it.
 */
const path = require('node:path')
const { currentPlatform, packageOf, fileOf, PLATFORMS } = require('./platform')

const LOCAL_BUILDS = path.join(__dirname, '..', 'native')

function load() {
  const platform = currentPlatform()
  const candidates = []
  if (process.env.PARALLEL_PROCESSOR_NATIVE) {
    // Asked for by name: that one or none, never another in its place.
    candidates.push({ what: `PARALLEL_PROCESSOR_NATIVE=${process.env.PARALLEL_PROCESSOR_NATIVE}`, id: path.resolve(process.env.PARALLEL_PROCESSOR_NATIVE) })
  } else if (platform.name !== null) {
    for (const name of platform.localBuilds) candidates.push({ what: `a local build, ${path.join(LOCAL_BUILDS, fileOf(name))}`, id: path.join(LOCAL_BUILDS, fileOf(name)) })
    candidates.push({ what: `the package ${packageOf(platform.name)}`, id: packageOf(platform.name), isPackage: true })
  }
  const failures = []
  for (const candidate of candidates) {
    try {
      return require(candidate.id)
    } catch (error) {
      // Not there at all, rather than there but failing to load.
      const missing = error.code === 'MODULE_NOT_FOUND' && error.message.includes(`'${candidate.id}'`)
      failures.push({ ...candidate, error, missing })
    }
  }
  throw noBinary(platform, failures)
}

/** The error for a platform where no candidate loaded. */
function noBinary(platform, failures) {
  const lines = [`parallel-processor: no native binary could be loaded for ${platform.description}.`]
  if (failures.length > 0) {
    lines.push('Looked for:')
    for (const failure of failures) lines.push(`  - ${failure.what}: ${failure.missing ? (failure.isPackage ? 'not installed' : 'not found') : failure.error.message.split('\n')[0]}`)
  }
  if (failures.some((failure) => failure.isPackage && failure.missing) && PLATFORMS[platform.name]) {
    lines.push(
      `A prebuilt binary exists for this platform, in the optional dependency ${packageOf(platform.name)}. When it is missing, npm most likely skipped it:`,
      'its bug with optional dependencies (https://github.com/npm/cli/issues/4828) hits a package-lock.json made on another platform.',
      'Delete node_modules and package-lock.json, then run npm install again (and do not install with --omit=optional or --no-optional).',
    )
  } else {
    lines.push(`Prebuilt binaries exist for ${Object.keys(PLATFORMS).join(', ')}; this platform is not among them.`)
  }
  lines.push(
    `To build one from source (Rust stable, https://rustup.rs), in ${path.join(__dirname, '..')} run`,
    '  npx @napi-rs/cli build --platform --release --output-dir native --no-js',
    'or build it anywhere else and set PARALLEL_PROCESSOR_NATIVE to the .node file.',
  )
  const error = new Error(lines.join('\n'), { cause: failures.find((failure) => !failure.missing)?.error })
  error.code = 'ERR_NATIVE_BINARY_MISSING'
  error.platform = platform.name
  return error
}

module.exports = load()
