'use strict'

/**
 * The kind of worker the tests run against. jest.config.js runs the contract
 * tests once per kind (a project each, which sets POOL_KIND); scripts the
 * tests start get it through their environment.
 */
const pkg = require('parallel-processor')

const KIND = globalThis.POOL_KIND ?? process.env.POOL_KIND ?? 'thread'

const isOptions = (value) => value !== null && typeof value === 'object' && !Array.isArray(value)

/** The package's class, with `kind` filled in unless the test chose one (or passes bad input on purpose). */
class ParallelProcessor extends pkg.ParallelProcessor {
  constructor(first, second) {
    if (typeof first === 'number' && second === undefined) second = { kind: KIND }
    else if (typeof first === 'number' && isOptions(second) && !('kind' in second)) second = { ...second, kind: KIND }
    else if (isOptions(first) && !('kind' in first)) first = { ...first, kind: KIND }
    super(first, second)
  }
}

module.exports = { ...pkg, ParallelProcessor, KIND }
