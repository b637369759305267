'use strict'

/**
 * Reads Prometheus text for the tests: `promtool check metrics` (Prometheus's
 * own parser and linter, Debian's `prometheus` package) must accept it with
 * nothing to say, and `samples()` gives its values by series.
 */
const { spawnSync } = require('node:child_process')

/** Throws with promtool's complaints unless the text is valid and lint-clean. */
function checkWithPromtool(text) {
  const result = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' })
  if (result.error) throw result.error
  if (result.status !== 0 || result.stdout.trim() !== '' || result.stderr.trim() !== '') {
    throw new Error(`promtool check metrics (exit ${result.status}):\n${result.stdout}${result.stderr}`)
  }
}

/**
 * Series -> value, with a series written as promtool would print it:
 * `name{a="x",b="y"}` (labels in their order in the text), or `name`.
 */
function samples(text) {
  const values = new Map()
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue
    const space = line.lastIndexOf(' ')
    const series = line.slice(0, space)
    if (values.has(series)) throw new Error(`series written twice: ${series}`)
    values.set(series, Number(line.slice(space + 1)))
  }
  return values
}

/** The value of one series; throws when it is absent. */
function sample(text, series) {
  const value = samples(text).get(series)
  if (value === undefined) throw new Error(`no series ${series} in:\n${text}`)
  return value
}

module.exports = { checkWithPromtool, samples, sample }
