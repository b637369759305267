'use strict'

/**
 * Three projects:
 * - `thread` and `process` run the contract tests (__test__/*.test.js) once
 *   per kind of worker; each sets POOL_KIND, which __test__/pool-kind.js
 *   reads. Tests of what only one kind has live in __test__/<kind>/.
 * - `common` runs, once, the tests that do not depend on the pool's kind:
 *   the orchestrator's, the cluster's, the documentation's snippets, the
 *   package's shape and types, traces, the dashboard in a browser.
 */
const kind = (name) => ({
  displayName: name,
  testEnvironment: 'node',
  globals: { POOL_KIND: name },
  testMatch: ['<rootDir>/__test__/*.test.js', `<rootDir>/__test__/${name}/**/*.test.js`],
})

const common = {
  displayName: 'common',
  testEnvironment: 'node',
  testMatch: ['orchestrator', 'replicas', 'cluster', 'docs', 'package', 'telemetry', 'dashboard', 'piscina'].map((folder) => `<rootDir>/__test__/${folder}/**/*.test.js`),
}

module.exports = {
  projects: [kind('thread'), kind('process'), common],
  testTimeout: 30000,
}
