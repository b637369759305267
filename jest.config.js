'use strict'

/**
 * The contract tests in __test__/ run once per worker kind: a project each,
 * whose POOL_KIND global __test__/pool-kind.js reads. Tests of what only one
 * kind has live in __test__/<kind>/. Tests that do not depend on the kind
 * (the orchestrator's and the cluster's, in __test__/orchestrator/ and
 * __test__/cluster/) run in the thread project
 * only, so that they run once.
 */
const kind = (name, alsoMatch = []) => ({
  displayName: name,
  testEnvironment: 'node',
  globals: { POOL_KIND: name },
  testMatch: ['<rootDir>/__test__/*.test.js', `<rootDir>/__test__/${name}/**/*.test.js`, ...alsoMatch],
})

module.exports = {
  projects: [kind('thread', ['<rootDir>/__test__/orchestrator/**/*.test.js', '<rootDir>/__test__/cluster/**/*.test.js']), kind('process')],
  testTimeout: 30000,
}
