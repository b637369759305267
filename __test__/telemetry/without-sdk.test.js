'use strict'

/**
 * Where `@opentelemetry/api` is not installed, the pool does not load it
 * (one guarded attempt, at the first pool), and tasks run as ever; where it
 * is installed but no SDK is registered, the pool does not load it either,
 * and no trace context goes to a worker, whose isolate never loads the API. Each in a Node process of its own.
 */
const path = require('node:path')
const { execFile } = require('node:child_process')

const SCRIPT = path.join(__dirname, 'fixtures', 'script-without-sdk.js')
const SDK_LATER = path.join(__dirname, 'fixtures', 'script-sdk-later.js')
const NO_OTEL = path.join(__dirname, 'fixtures', 'no-otel.js')

function run(args, execArgv = [], script = SCRIPT) {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [...execArgv, script, ...args], { timeout: 30000 }, (error, stdout, stderr) => {
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

test('with the API installed and no SDK registered, nobody loads it (it costs ~15 ms of start-up)', async () => {
  expect(await run([])).toEqual({
    results: [true, true],
    workersLoaded: [false, false],
    loaded: false,
    resolutions: null,
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

test('an SDK registered after the pool was built traces the tasks from then on', async () => {
  expect(await run([], [], SDK_LATER)).toEqual({ before: false, after: true, spans: ['parallel-processor execute'] })
})
