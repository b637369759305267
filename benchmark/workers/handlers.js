'use strict'

// The same handlers for every pool: the tiny task, the CPU task, and those of
// the big data and Babel workloads.
const fs = require('node:fs')
const path = require('node:path')

function echo(x) {
  return x
}

function fib(n) {
  return n < 2 ? n : fib(n - 1) + fib(n - 2)
}

/** Big data, echo-length: only the length comes back. */
function echoLength(buf) {
  return buf.length
}

let babel
const NODE_MODULES = path.join(__dirname, '..', '..', 'node_modules')

/**
 * What a test runner's transform does for each file it loads: read it, then
 * Babel with istanbul's coverage instrumentation. Returns the output's length.
 */
function instrument(filename) {
  // Loaded on first use: the other workloads' workers never pay for it.
  babel ??= require('@babel/core')
  const code = fs.readFileSync(filename, 'utf8')
  const output = babel.transformSync(code, {
    filename,
    babelrc: false,
    configFile: false,
    sourceMaps: false,
    sourceType: 'unambiguous',
    // Explicit options: the plugin then reads no nyc configuration (which
    // would cost a child process); node_modules, where the files are, is
    // instrumented like any other folder.
    plugins: [['istanbul', { cwd: NODE_MODULES, exclude: [], excludeNodeModules: false, useInlineSourceMaps: false }]],
  })
  return output.code.length
}

module.exports = { echo, fib, echoLength, instrument }
