'use strict'

/**
 * ESLint's recommended rules over the package's JavaScript, its tests,
 * benchmark and examples, and the bounds of each folder of lib/ (what runs
 * where: see docs/architecture.md). Formatting (no semicolons, single
 * quotes) is left to the code's own style: no formatting rule is enforced.
 */
const js = require('@eslint/js')
const globals = require('globals')
const mayRequire = require('./lint/may-require')

const layers = { plugins: { layers: { rules: { 'may-require': mayRequire } } } }
const NO_ADDON = 'a child process runs this file, and a child process loads the addon only for its lifeline (lifeline.js)'

module.exports = [
  {
    ignores: [
      'native/',
      'node_modules/',
      'target/',
      'npm/',
      'benchmark/.work/',
      // Fails to parse on purpose: a test loads it to see a worker fail to start.
      '__test__/fixtures/syntax-error.js',
    ],
  },
  js.configs.recommended,
  {
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: {
      ecmaVersion: 'latest',
      sourceType: 'commonjs',
      globals: { ...globals.node },
    },
  },
  {
    files: ['**/*.mjs', '__test__/fixtures/esm-package/**/*.js'],
    languageOptions: {
      ecmaVersion: 'latest',
      sourceType: 'module',
      globals: { ...globals.node },
    },
  },
  {
    files: ['__test__/**/*.js'],
    languageOptions: {
      globals: { ...globals.jest },
    },
  },
  {
    // The dashboard's page script runs in the browser, as a classic script.
    files: ['lib/dashboard/public/**/*.js'],
    languageOptions: {
      sourceType: 'script',
      globals: { ...globals.browser },
    },
  },
  // Where each file of lib/ runs decides what it may load.
  {
    ...layers,
    files: ['lib/shared/**/*.js'],
    rules: {
      'layers/may-require': ['error', { allow: ['lib/shared/'], why: `lib/shared/ runs on both sides: ${NO_ADDON}` }],
    },
  },
  {
    ...layers,
    files: ['lib/worker/*.js'],
    rules: {
      'layers/may-require': ['error', { allow: ['lib/shared/', 'lib/worker/*'], why: `lib/worker/ runs in threads and processes alike: ${NO_ADDON}` }],
    },
  },
  {
    ...layers,
    files: ['lib/worker/process/**/*.js'],
    rules: {
      'layers/may-require': ['error', { allow: ['lib/shared/', 'lib/worker/*', 'lib/worker/process/'], why: NO_ADDON }],
    },
  },
  {
    ...layers,
    // The exception: the thread that kills the child when its parent dies.
    files: ['lib/worker/process/lifeline.js'],
    rules: {
      'layers/may-require': ['error', { allow: ['lib/shared/', 'lib/native.js'], why: 'it loads the addon for the lifeline alone' }],
    },
  },
  {
    ...layers,
    files: ['lib/piscina/**/*.js'],
    rules: {
      'layers/may-require': ['error', {
        allow: ['lib/shared/', 'lib/piscina/', 'lib/pool/processor.js', 'lib/pool/internal.js', 'package.json'],
        why: 'the piscina entry translates piscina\'s API into the pool\'s public one (and its internals\' face), and reaches no deeper into it',
      }],
    },
  },
  {
    ...layers,
    files: ['lib/worker/thread/**/*.js'],
    rules: {
      'layers/may-require': ['error', {
        allow: ['lib/shared/', 'lib/worker/*', 'lib/worker/thread/', 'lib/native.js'],
        why: 'a worker thread loads the addon and the code every worker runs, not the pool\'s',
      }],
    },
  },
]
