'use strict'

/**
 * Where `@opentelemetry/api` is not installed, the pool does not load it
 * (one guarded attempt, at the first pool), and tasks run as ever; where it
 * is installed but no SDK is registered, no trace context goes to a worker,
 * whose isolate never loads the API. Each in a Node process of its own.
 */
const path = require('node:path')
const { execFile } = require('node:child_process')

const SCRIPT = path.join(__dirname, 'fixtures', 'script-without-sdk.js')
const NO_OTEL = path.join(__dirname, 'fixtures', 'no-otel.js')

function run(args, execArgv = []) {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [...execArgv, SCRIPT, ...args], { timeout: 30000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${error.message}\n${stderr}`))
      else resolve(JSON.parse(stdout))
    })
  })
}

test('without the package installed, nothing of it is loaded, it is looked for once, and tasks run', async () => {
  expect(await run([], ['--require', NO_OTEL])).toEqual({
    results: [true, true],
    workersLoaded: [false, false],
    loaded: false,
    resolutions: 1,
  })
})

test('with the API and no SDK, the workers never load it: no context is sent', async () => {
  expect(await run(['api'])).toEqual({
    results: [true, true],
    workersLoaded: [false, false],
    loaded: true,
    resolutions: null,
  })
})
