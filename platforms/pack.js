'use strict'

/**
 * Packs what is published: one tarball per platform package (npm/<name>/,
 * its binary built by npm run build:all) and the main package, whose
 * manifest then lists every platform package in `optionalDependencies` at
 * its exact version, as napi-rs's prepublish step does. The repository's
 * package.json cannot list them: until they are on the registry, npm ci
 * refuses a lock file without them.
 *
 *   node platforms/pack.js [destination]     (npm run pack:all; default: dist/)
 *
 * Prints the tarballs' paths as JSON: { main, '<platform>': ... }.
 */
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { execFileSync } = require('node:child_process')
const { PLATFORMS, packageOf, fileOf } = require('../lib/platform')

const ROOT = path.join(__dirname, '..')

/** `npm pack` of `dir` into `destination`; the tarball's path. */
function pack(dir, destination) {
  const [{ filename }] = JSON.parse(execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', destination, dir], { cwd: ROOT, encoding: 'utf8' }))
  return path.join(destination, filename)
}

/** The main package's manifest as published. */
function publishedManifest() {
  const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'))
  manifest.optionalDependencies = Object.fromEntries(Object.keys(PLATFORMS).map((name) => [packageOf(name), manifest.version]))
  return manifest
}

function packAll(destination) {
  fs.mkdirSync(destination, { recursive: true })
  const tarballs = {}
  for (const name of Object.keys(PLATFORMS)) {
    const dir = path.join(ROOT, 'npm', name)
    if (!fs.existsSync(path.join(dir, fileOf(name)))) throw new Error(`${path.join(dir, fileOf(name))} is missing: run npm run build:all`)
    tarballs[name] = pack(dir, destination)
  }
  // The main package from a copy of what it ships, with its published manifest.
  const stage = fs.mkdtempSync(path.join(os.tmpdir(), 'pp-pack-'))
  try {
    const [{ files }] = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8' }))
    for (const { path: file } of files) {
      fs.mkdirSync(path.dirname(path.join(stage, file)), { recursive: true })
      fs.copyFileSync(path.join(ROOT, file), path.join(stage, file))
    }
    fs.writeFileSync(path.join(stage, 'package.json'), `${JSON.stringify(publishedManifest(), null, 2)}\n`)
    tarballs.main = pack(stage, destination)
  } finally {
    fs.rmSync(stage, { recursive: true, force: true })
  }
  return tarballs
}

module.exports = { packAll }

if (require.main === module) {
  console.log(JSON.stringify(packAll(path.resolve(process.argv[2] ?? path.join(ROOT, 'dist'))), null, 2))
}
