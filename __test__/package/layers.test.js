'use strict'

/**
 * The folders of lib/ keep to where their files run (eslint.config.js,
 * lint/may-require.js): above all, nothing a child process runs loads the
 * addon. The lint rule itself is tried on code that breaks it.
 */
const fs = require('node:fs')
const path = require('node:path')
const { ESLint } = require('eslint')

const root = path.join(__dirname, '..', '..')
// The configuration is given, not looked up: ESLint would import() it, which jest's sandbox cannot.
const eslint = new ESLint({ cwd: root, overrideConfigFile: true, overrideConfig: require('../../eslint.config.js') })

/** The messages of the layers rule for `code` as if it were the file `file`. */
async function refusals(file, code) {
  const [result] = await eslint.lintText(code, { filePath: path.join(root, file) })
  return result.messages.filter((message) => message.ruleId === 'layers/may-require').map((message) => message.message)
}

const ADDON = "'use strict'\nmodule.exports = require('../../native')\n"

test('every file of lib/ keeps to its folder', async () => {
  // Listed here: ESLint's own file search import()s, which jest's sandbox cannot.
  const files = fs.readdirSync(path.join(root, 'lib'), { recursive: true }).filter((file) => file.endsWith('.js'))
  expect(files.length).toBeGreaterThan(20)
  const broken = []
  for (const file of files) {
    const relative = path.join('lib', file)
    for (const message of await refusals(relative, fs.readFileSync(path.join(root, relative), 'utf8'))) broken.push(`${relative}: ${message}`)
  }
  expect(broken).toEqual([])
})

test.each([
  ['a process worker loading the addon', 'lib/worker/process/new.js', ADDON],
  ['a process worker loading the package (which loads the addon)', 'lib/worker/process/new.js', "require('parallel-processor')"],
  ['a process worker loading the pool', 'lib/worker/process/new.js', "require('../../pool/options')"],
  ['code every worker runs loading the addon', 'lib/worker/new.js', "require('../native')"],
  ['code every worker runs loading thread-only code', 'lib/worker/new.js', "require('./thread/runtime')"],
  ['shared code loading the addon', 'lib/shared/new.js', "require('../native')"],
  ['shared code loading the addon through import()', 'lib/shared/new.js', "import('../native.js')"],
  ['shared code loading the pool', 'lib/shared/new.js', "require('../pool/processor')"],
])('refused: %s', async (_, file, code) => {
  const messages = await refusals(file, code)
  expect(messages).toHaveLength(1)
  expect(messages[0]).toMatch(/out of bounds here/)
})

test.each([
  ['a process worker', 'lib/worker/process/new.js', "require('node:fs'); require('../task-runner'); require('../../shared/codec'); require('./channel')"],
  ['a worker thread', 'lib/worker/thread/new.js', "require('../../native'); require('../module-loader')"],
  ['the pool', 'lib/pool/new.js', "require('../native'); require('../shared/errors')"],
  ['a user module loaded by a computed name', 'lib/worker/new.js', 'module.exports = (file) => require(file)'],
])('allowed: %s', async (_, file, code) => {
  expect(await refusals(file, code)).toEqual([])
})
