'use strict'

/**
 * The contract tests in __test__/ run once per worker kind: a project each,
 * whose POOL_KIND global __test__/pool-kind.js reads. Tests of what only one
 * kind has live in __test__/<kind>/.
 */
const kind = (name, ...more) => ({
  displayName: name,
  testEnvironment: 'node',
  globals: { POOL_KIND: name },
  testMatch: ['<rootDir>/__test__/*.test.js', `<rootDir>/__test__/${name}/**/*.test.js`, ...more],
})

module.exports = {
  // The orchestrator's tests choose their pools' kinds themselves: they run once.
  projects: [kind('thread', '<rootDir>/__test__/orchestrator/**/*.test.js'), kind('process')],
  testTimeout: 30000,
}
