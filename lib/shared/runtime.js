'use strict'

/**
 * Which JavaScript runtime this is (Node, Bun or Deno, through their Node
 * compatibility) and what of the pool's options it cannot honour. See
 * docs/runtimes.md for what was tested where.
 */

/** 'node', 'bun' or 'deno'. */
const RUNTIME = process.versions.bun !== undefined
  ? 'bun'
  : process.versions.deno !== undefined || typeof globalThis.Deno !== 'undefined' ? 'deno' : 'node'

const NAMES = { node: 'Node.js', bun: 'Bun', deno: 'Deno' }

/** "Bun 1.4.5", "Deno 2.9.6", "Node.js 20.20.2". */
const RUNTIME_VERSION = `${NAMES[RUNTIME]} ${process.versions[RUNTIME] ?? globalThis.Deno?.version?.deno ?? ''}`.trim()

/**
 * What this runtime lacks for a pool of `kind` workers with these resolved
 * options, as a sentence for ERR_UNSUPPORTED_RUNTIME, or null. Only what is
 * known to fail in that runtime is refused: a worker that would ignore a
 * heap limit and grow without bound, say, rather than crash.
 */
function missingFeature({ kind, resourceLimits }) {
  if (resourceLimits !== undefined && hasLimit(resourceLimits)) {
    // Bun's workers and processes run JavaScriptCore, which takes no heap
    // limit; Deno's worker_threads take `resourceLimits` and ignore it (its
    // processes take V8's flags).
    if (RUNTIME === 'bun') return 'resourceLimits: Bun has no heap or stack limits for workers'
    if (RUNTIME === 'deno' && kind === 'thread') return 'resourceLimits for thread workers: Deno\'s worker_threads ignore them (process workers take them)'
  }
  return null
}

function hasLimit({ maxOldGenerationSizeMb, maxYoungGenerationSizeMb, stackSizeMb, codeRangeSizeMb }) {
  return [maxOldGenerationSizeMb, maxYoungGenerationSizeMb, stackSizeMb, codeRangeSizeMb].some((value) => value > 0)
}

module.exports = { RUNTIME, RUNTIME_VERSION, missingFeature }
