'use strict'

/**
 * How the Rust core starts each process worker (`ProcessOptions` in
 * src/binding/options.rs, `Settings` in src/process/mod.rs): the command
 * line, the environment, where its output goes, and the runtime's settings.
 */
const path = require('node:path')
const v8 = require('node:v8')

const { RUNTIME } = require('../shared/runtime')

const PROCESS_RUNTIME = path.join(__dirname, '..', 'worker', 'process', 'runtime.js')
/** Deno starts a `.js` file as an ES module: its entry is CommonJS by name. */
const DENO_PROCESS_RUNTIME = path.join(__dirname, '..', 'worker', 'process', 'runtime.cjs')

/** The settings of a pool's children, from its resolved options. */
function processSettings(config) {
  const { env, execArgv, argv, resourceLimits, filename, workerData, maxWorkerMemoryMb, concurrentTasksPerWorker, stdio, niceIncrement } = config
  return {
    execPath: process.execPath,
    // `argv` follows the script, so that the child's process.argv.slice(2) is
    // exactly it, as in a thread worker.
    args: [...runtimeArgs(execArgv ?? inheritedExecArgv(), v8Flags(resourceLimits)), ...(argv ?? [])],
    // SHARE_ENV (a symbol) and no `env` both mean the parent's environment.
    env: env === undefined || typeof env === 'symbol'
      ? undefined
      : Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined).map(([key, value]) => [key, `${value}`])),
    stdio,
    init: v8.serialize({ filename, workerData, reportMemory: maxWorkerMemoryMb > 0, concurrent: concurrentTasksPerWorker > 1, niceIncrement }),
  }
}

/**
 * The child's command line up to its script: the runtime's options, the V8
 * flags of `resourceLimits`, the worker runtime. Deno runs a script with
 * `deno run`, takes V8's flags in one `--v8-flags`, and gives the child every
 * permission (`-A`): the child writes its results through FFI (see
 * ../worker/process/descriptors.js), and runs the user's module as Node would.
 * (Bun has no V8 flags: the constructor refuses `resourceLimits` there.)
 */
function runtimeArgs(options, flags) {
  if (RUNTIME === 'deno') {
    return ['run', '-A', ...options, ...(flags.length === 0 ? [] : [`--v8-flags=${flags.join(',')}`]), DENO_PROCESS_RUNTIME]
  }
  return [...options, ...flags, PROCESS_RUNTIME]
}

/** Options that say what node runs, with the next argument as their value. */
const PROGRAM_OPTIONS_WITH_VALUE = new Set(['-e', '--eval', '-p', '--print', '-pe'])
/** Options that say what node runs or would clash between processes (their own value may follow). */
const PROGRAM_OPTIONS = new Set(['-i', '--interactive', '-c', '--check', '--watch', '--watch-path', '--input-type'])

/**
 * The parent's node options for a child, minus those that name the parent's
 * program (`-e code`, `--test`, ...) or would clash (`--inspect` on one port):
 * the child runs the worker runtime. Preloads (`--require`, `--import`) stay.
 */
function inheritedExecArgv() {
  const argv = process.execArgv
  const kept = []
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    const [name] = arg.split('=', 1)
    if (PROGRAM_OPTIONS_WITH_VALUE.has(name)) {
      if (name === arg) i++
    } else if (PROGRAM_OPTIONS.has(name) || name.startsWith('--test') || name.startsWith('--inspect')) {
      // execArgv holds only node's options: a word that follows without a
      // dash is this option's value (`--inspect-port 9229`).
      if (name === arg && i + 1 < argv.length && !argv[i + 1].startsWith('-')) i++
    } else {
      kept.push(arg)
    }
  }
  return kept
}

/** `resourceLimits` as the V8 flags a child process takes. */
function v8Flags(resourceLimits) {
  if (resourceLimits === undefined) return []
  const { maxOldGenerationSizeMb, maxYoungGenerationSizeMb, stackSizeMb } = resourceLimits
  const flags = []
  if (maxOldGenerationSizeMb > 0) flags.push(`--max-old-space-size=${Math.ceil(maxOldGenerationSizeMb)}`)
  // V8's young generation is three semi-spaces.
  if (maxYoungGenerationSizeMb > 0) flags.push(`--max-semi-space-size=${Math.max(1, Math.ceil(maxYoungGenerationSizeMb / 3))}`)
  if (stackSizeMb > 0) flags.push(`--stack-size=${Math.ceil(stackSizeMb * 1024)}`)
  return flags
}

module.exports = { processSettings, inheritedExecArgv }
