'use strict'

/**
 * ESLint's recommended rules over the package's JavaScript, its tests,
 * benchmark and examples. Formatting (no semicolons, single quotes) is left
 * to the code's own style: no formatting rule is enforced.
 */
const js = require('@eslint/js')
const globals = require('globals')

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
]
