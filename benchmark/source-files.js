'use strict'

/**
 * The Babel workload's input: real source files from node_modules, the same
 * ones on every run (the lockfile pins the packages). Files are taken from
 * each package in turn, in path order, so that the set mixes styles and sizes.
 */
const fs = require('node:fs')
const path = require('node:path')

const NODE_MODULES = path.join(__dirname, '..', 'node_modules')
/** Folders of packages in the devDependencies' tree: CommonJS for the most part, tinypool's ES modules. */
const PACKAGES = [
  'eslint/lib',
  '@babel/core/lib',
  '@babel/traverse/lib',
  '@babel/types/lib',
  '@babel/generator/lib',
  'ajv/lib',
  'semver',
  'yargs/build',
  'piscina/dist',
  'workerpool/src',
  'istanbul-lib-instrument/src',
  'tinypool/dist',
]
/** Bigger files (bundles, generated tables) are rare among the files a test runner transforms. */
const MAX_BYTES = 200 * 1024

function walk(dir, out) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const full = path.join(dir, entry.name)
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules') walk(full, out)
    } else if (entry.name.endsWith('.js') && !entry.name.endsWith('.min.js') && fs.statSync(full).size <= MAX_BYTES) {
      out.push(full)
    }
  }
  return out
}

/** `count` absolute paths (fewer if the packages hold fewer files). */
function sourceFiles(count) {
  const lists = PACKAGES.map((pkg) => path.join(NODE_MODULES, pkg)).filter((dir) => fs.existsSync(dir)).map((dir) => walk(dir, []))
  const files = []
  for (let i = 0; files.length < count && lists.some((list) => i < list.length); i++) {
    for (const list of lists) if (i < list.length && files.length < count) files.push(list[i])
  }
  return files
}

module.exports = { sourceFiles }
