'use strict'

/**
 * The platform checks (npm run test:platforms, after npm run build:all):
 * every prebuilt binary, and the packed tarballs as npm installs them.
 */
module.exports = {
  rootDir: '../..',
  displayName: 'platforms',
  testEnvironment: 'node',
  testMatch: ['<rootDir>/__test__/platforms/**/*.test.js'],
  testTimeout: 120000,
}
