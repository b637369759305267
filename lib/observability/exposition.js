'use strict'

/**
 * Writes the Prometheus text exposition format (version 0.0.4): one
 * `# HELP` and `# TYPE` per family, then its samples. Every family is
 * written whole before the next, as the format requires, and a family is
 * written even with no sample, so that a scraper always sees its type.
 */
class Exposition {
  #lines = []

  /** `samples`: [labels, value] pairs; labels an object of strings (or null). */
  counter(name, help, samples) {
    this.#family(name, 'counter', help)
    for (const [labels, value] of samples) this.#sample(name, labels, value)
  }

  gauge(name, help, samples) {
    this.#family(name, 'gauge', help)
    for (const [labels, value] of samples) this.#sample(name, labels, value)
  }

  /**
   * `bounds`: upper bounds in base units, ascending; `cumulative`: the count
   * up to each bound, then the total (`+Inf`).
   */
  histogram(name, help, { bounds, cumulative, count, sum }) {
    this.#family(name, 'histogram', help)
    bounds.forEach((bound, index) => this.#sample(`${name}_bucket`, { le: number(bound) }, cumulative[index]))
    this.#sample(`${name}_bucket`, { le: '+Inf' }, count)
    this.#sample(`${name}_sum`, null, sum)
    this.#sample(`${name}_count`, null, count)
  }

  toString() {
    return this.#lines.length === 0 ? '' : `${this.#lines.join('\n')}\n`
  }

  #family(name, type, help) {
    this.#lines.push(`# HELP ${name} ${help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`, `# TYPE ${name} ${type}`)
  }

  #sample(name, labels, value) {
    this.#lines.push(`${name}${labelSet(labels)} ${number(value)}`)
  }
}

function labelSet(labels) {
  if (labels === null) return ''
  const pairs = Object.entries(labels).map(([key, value]) => `${key}="${escapeLabel(value)}"`)
  return pairs.length === 0 ? '' : `{${pairs.join(',')}}`
}

/** A label value may hold anything (a job's name): backslash, quote and newline are escaped. */
function escapeLabel(value) {
  return String(value).replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')
}

function number(value) {
  if (Number.isNaN(value)) return 'NaN'
  if (value === Infinity) return '+Inf'
  if (value === -Infinity) return '-Inf'
  return String(value)
}

module.exports = { Exposition }
