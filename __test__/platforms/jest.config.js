'use strict'

/**
 * The platform checks (npm run test:platforms, after npm run build:all and
 * platforms/runtimes.sh install): every prebuilt binary, the packed
 * tarballs as npm installs them, and the runtime contract under Node, Bun
 * and Deno.
 */
module.exports = {
  rootDir: '../..',
  displayName: 'platforms',
  testEnvironment: 'node',
  testMatch: ['<rootDir>/__test__/platforms/**/*.test.js', '<rootDir>/__test__/runtimes/**/*.test.js'],
  testTimeout: 120000,
}
