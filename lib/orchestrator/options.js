'use strict'

/**
 * Validation of the orchestrator's options: `new Orchestrator(pool, options)`,
 * `register(jobName, options)`, `stop(options)` and `Orchestrator.nextRuns()`.
 * Errors follow the pool's conventions (see lib/pool/options.js and lib/shared/validate.js). What only the core
 * can judge (a cron expression, a time zone, a duplicate name) is judged
 * there; the orchestrator turns its refusal into ERR_INVALID_ARG_VALUE.
 */
const v8 = require('node:v8')
const { isPlainObject, refuseUnknownKeys, describeType, integerInRange, duration, MAX_TIMEOUT_MS } = require('../shared/validate')
const { invalidType, invalidValue, outOfRange, notCloneable } = require('../shared/errors')

/** The names of the machine's priorities, lowest first (0..3). */
const PRIORITIES = ['low', 'normal', 'high', 'critical']
const MODES = ['scheduled', 'triggered', 'continuous']
/** The counts and limits the core keeps as 32-bit numbers. */
const MAX_COUNT = 2 ** 32 - 1

/** What a job gets when its options leave it out (API.md, "Orchestrator"). */
const JOB_DEFAULTS = Object.freeze({
  timeoutMs: 60000,
  retries: 3,
  retryBackoffMs: Object.freeze({ initial: 1000, max: 60000 }),
  priority: 'normal',
  maxConsecutiveFailures: 5,
})
const DEAD_LETTER_LIMIT = 1000
const STOP_TIMEOUT_MS = 30000

/** The zone cron expressions are read in when a job names none: the system's. */
function systemTimeZone() {
  return Intl.DateTimeFormat().resolvedOptions().timeZone
}

function optionsObject(value, name = 'options') {
  if (value === undefined) return {}
  if (!isPlainObject(value)) throw invalidType(`The "${name}" argument must be an object; received ${describeType(value)}`)
  return value
}

/** A job's name: a non-empty string. */
function jobName(value, name = 'jobName') {
  if (typeof value !== 'string') throw invalidType(`The "${name}" argument must be a string; received ${describeType(value)}`)
  if (value === '') throw invalidValue(`The "${name}" argument must not be empty`)
  // A lone surrogate cannot cross into Rust intact (it becomes U+FFFD).
  if (!value.isWellFormed()) throw invalidValue(`The "${name}" argument must be well-formed Unicode (it holds a lone surrogate)`)
  return value
}

/** The longest `every`: 10^13 ms, about 317 years. */
const MAX_EVERY_MS = 1e13

/** A span in ms: an integer from `min` up. */
function milliseconds(value, name, min = 0, max = Number.MAX_SAFE_INTEGER) {
  return integerInRange(value, name, min, max)
}

/**
 * `new Orchestrator(pool, options)`. `maxWorkers`: the pool's, the default
 * number of jobs that may run at once.
 */
const ORCHESTRATOR_OPTIONS = ['maxConcurrentJobs', 'deadLetterLimit', 'cluster']

function resolveOrchestratorOptions(options, maxWorkers) {
  options = optionsObject(options)
  refuseUnknownKeys(options, ORCHESTRATOR_OPTIONS, 'orchestrator')
  const { maxConcurrentJobs, deadLetterLimit } = options
  return {
    maxConcurrentJobs: maxConcurrentJobs === undefined ? maxWorkers : integerInRange(maxConcurrentJobs, 'maxConcurrentJobs', 1, MAX_COUNT),
    deadLetterLimit: deadLetterLimit === undefined ? DEAD_LETTER_LIMIT : integerInRange(deadLetterLimit, 'deadLetterLimit', 0, MAX_COUNT),
  }
}

/** Every option `register()` knows. */
const JOB_OPTIONS = [
  'mode', 'every', 'cron', 'timeZone', 'gapMs', 'runOnStart', 'name', 'filename', 'payload', 'run', 'timeoutMs',
  'retries', 'retryBackoffMs', 'priority', 'maxConsecutiveFailures', 'breaker', 'dependsOn', 'blocks', 'catchUp',
]
const CATCH_UP = ['once', 'skip']

/**
 * `register(jobName, options)`. Returns `{ spec, handler }`: `spec` is what the
 * core's machine takes (JobSpecObject), `handler` what runs a run:
 * `{ run }` (a function on the main thread) or `{ name, filename }` (an
 * export of a worker module), and `payload`.
 */
function resolveJobOptions(options, internals) {
  options = optionsObject(options)
  refuseUnknownKeys(options, JOB_OPTIONS, 'job')
  const mode = jobMode(options)
  const backoff = retryBackoff(options.retryBackoffMs)
  const handler = jobHandler(options, internals)
  return {
    handler,
    spec: {
      mode,
      ...schedule(options, mode),
      runOnStart: runOnStart(options, mode),
      gapMs: gapMs(options, mode),
      timeoutMs: options.timeoutMs === undefined ? JOB_DEFAULTS.timeoutMs : duration(options.timeoutMs, 'timeoutMs'),
      // A worker that overruns is terminated by the pool; a function on the
      // main thread cannot be, so the machine itself fails it at its deadline.
      enforceTimeout: handler.run !== undefined,
      retries: options.retries === undefined ? JOB_DEFAULTS.retries : integerInRange(options.retries, 'retries', 0, 1000),
      retryBackoffInitialMs: backoff.initial,
      retryBackoffMaxMs: backoff.max,
      priority: priority(options.priority),
      maxConsecutiveFailures: maxConsecutiveFailures(options.maxConsecutiveFailures),
      breakerCooldownMs: breakerCooldown(options.breaker),
      dependsOn: jobNames(options.dependsOn, 'dependsOn'),
      blocks: jobNames(options.blocks, 'blocks'),
      catchUp: catchUp(options.catchUp, mode),
    },
  }
}

/**
 * The explicit mode, or the one its options imply; a schedule and a mode
 * must agree. The check users see; the addon asserts the mode again
 * (src/binding/orchestrator_spec.rs).
 */
function jobMode(options) {
  const scheduled = options.every !== undefined || options.cron !== undefined
  if (options.mode === undefined) return scheduled ? 'scheduled' : 'triggered'
  if (!MODES.includes(options.mode)) {
    throw invalidValue(`The "mode" option must be one of ${MODES.map((m) => `'${m}'`).join(', ')}; received ${describeType(options.mode)}`)
  }
  if (options.mode === 'scheduled' && !scheduled) throw invalidValue('A job of mode \'scheduled\' needs "every" or "cron"')
  if (options.mode !== 'scheduled' && scheduled) {
    throw invalidValue(`A job of mode '${options.mode}' has no schedule: "every" and "cron" are for mode 'scheduled'`)
  }
  return options.mode
}

/** `{ everyMs }` or `{ cron }`, and the zone (always set: the core reads cron in it). */
function schedule({ every, cron, timeZone }, mode) {
  if (every !== undefined && cron !== undefined) throw invalidValue('Pass either "every" or "cron", not both')
  if (timeZone !== undefined) {
    if (typeof timeZone !== 'string') throw invalidType(`The "timeZone" option must be a string; received ${describeType(timeZone)}`)
    if (cron === undefined) throw invalidValue('The "timeZone" option applies to "cron" only')
  }
  const zone = timeZone ?? systemTimeZone()
  if (mode !== 'scheduled') return { timeZone: zone }
  // Bounded so that every tick stays a valid Date (within ~300 years).
  if (every !== undefined) return { everyMs: milliseconds(every, 'every', 1, MAX_EVERY_MS), timeZone: zone }
  if (typeof cron !== 'string') throw invalidType(`The "cron" option must be a string; received ${describeType(cron)}`)
  return { cron, timeZone: zone }
}

/** Across replicas, what a scheduled job does with the ticks due while no replica was alive. */
function catchUp(value, mode) {
  if (value === undefined) return 'once'
  if (!CATCH_UP.includes(value)) {
    throw invalidValue(`The "catchUp" option must be 'once' or 'skip'; received ${typeof value === 'string' ? `'${value}'` : describeType(value)}`)
  }
  if (mode !== 'scheduled') throw invalidValue('The "catchUp" option is for scheduled jobs')
  return value
}

/** Default: a fixed-rate job runs at start(), a cron job waits for its first time. */
function runOnStart({ runOnStart: value, every }, mode) {
  if (value === undefined) return mode === 'scheduled' && every !== undefined
  if (typeof value !== 'boolean') throw invalidType(`The "runOnStart" option must be a boolean; received ${describeType(value)}`)
  if (mode !== 'scheduled') throw invalidValue(`The "runOnStart" option is for scheduled jobs; a ${mode} job ${mode === 'continuous' ? 'starts at start()' : 'runs when triggered'}`)
  return value
}

function gapMs({ gapMs: value }, mode) {
  if (value === undefined) return 0
  if (mode !== 'continuous') throw invalidValue('The "gapMs" option is for continuous jobs')
  return milliseconds(value, 'gapMs')
}

/** `{ initial, max }`; a bound given alone moves the other default out of its way (as the pool's restartBackoffMs). */
function retryBackoff(value) {
  if (value === undefined) return JOB_DEFAULTS.retryBackoffMs
  if (!isPlainObject(value)) throw invalidType(`The "retryBackoffMs" option must be an object { initial, max }; received ${describeType(value)}`)
  const initial = value.initial === undefined ? undefined : milliseconds(value.initial, 'retryBackoffMs.initial')
  const max = value.max === undefined ? undefined : milliseconds(value.max, 'retryBackoffMs.max')
  if (initial !== undefined && max !== undefined && max < initial) {
    throw outOfRange(`"retryBackoffMs.max" (${max}) must not be below "retryBackoffMs.initial" (${initial})`)
  }
  return {
    initial: initial ?? Math.min(JOB_DEFAULTS.retryBackoffMs.initial, max),
    max: max ?? Math.max(JOB_DEFAULTS.retryBackoffMs.max, initial),
  }
}

/** A name ('low' .. 'critical') or its number (0..3). */
/** The check users see; the addon asserts the level again (src/binding/orchestrator_spec.rs). */
function priority(value) {
  if (value === undefined) return PRIORITIES.indexOf(JOB_DEFAULTS.priority)
  if (typeof value === 'string') {
    const level = PRIORITIES.indexOf(value)
    if (level === -1) throw invalidValue(`The "priority" option must be one of ${PRIORITIES.map((p) => `'${p}'`).join(', ')} or 0..3; received '${value}'`)
    return level
  }
  if (typeof value !== 'number') throw invalidType(`The "priority" option must be a string or a number; received ${describeType(value)}`)
  return integerInRange(value, 'priority', 0, PRIORITIES.length - 1)
}

/** 0 or Infinity: never disabled. */
function maxConsecutiveFailures(value) {
  if (value === undefined) return JOB_DEFAULTS.maxConsecutiveFailures
  if (value === Infinity) return 0
  return integerInRange(value, 'maxConsecutiveFailures', 0, MAX_COUNT)
}

function breakerCooldown(value) {
  if (value === undefined || value === null) return undefined
  if (!isPlainObject(value)) throw invalidType(`The "breaker" option must be an object { cooldownMs }; received ${describeType(value)}`)
  if (value.cooldownMs === undefined) throw invalidValue('The "breaker" option needs "cooldownMs"')
  return milliseconds(value.cooldownMs, 'breaker.cooldownMs', 1)
}

/** An array of job names, without repeats (a copy: the caller's array may change). */
function jobNames(value, name) {
  if (value === undefined) return []
  if (!Array.isArray(value)) throw invalidType(`The "${name}" option must be an array of job names; received ${describeType(value)}`)
  return [...new Set(value.map((entry, i) => jobName(entry, `${name}[${i}]`)))]
}

/**
 * What a run calls: `{ run, payload }` for a function on the main thread,
 * `{ name, filename, payload }` for an export of a worker module (null name:
 * the default export; filename: the job's, else the pool's).
 */
function jobHandler(options, internals) {
  const { run, name, filename, payload } = options
  if (run !== undefined) {
    if (typeof run !== 'function') throw invalidType(`The "run" option must be a function; received ${describeType(run)}`)
    if (name !== undefined || filename !== undefined) throw invalidValue('Pass either "run" or "name"/"filename", not both')
    return { run, payload }
  }
  if (name !== undefined && name !== null && typeof name !== 'string') throw invalidType(`The "name" option must be a string; received ${describeType(name)}`)
  const file = filename === undefined ? internals.filename : internals.checkedFilename(filename)
  if (file === null) throw invalidValue('No worker module: pass "filename" (or "run") to register(), or "filename" to the pool')
  checkCloneable(payload)
  return { name: name ?? null, filename: file, payload }
}

/** A payload for a worker must survive structured clone: better said once, at once, than by every run. */
function checkCloneable(payload) {
  try {
    v8.serialize(payload)
  } catch (error) {
    throw notCloneable(`The job's payload cannot be cloned: ${error.message}`)
  }
}

/** `stop({ timeoutMs = 30000 })`: how long running jobs may go on before they are aborted. */
function resolveStopOptions(options) {
  const { timeoutMs } = optionsObject(options)
  if (timeoutMs === undefined) return { timeoutMs: STOP_TIMEOUT_MS }
  return { timeoutMs: milliseconds(timeoutMs, 'timeoutMs', 0, MAX_TIMEOUT_MS) }
}

/** `Orchestrator.nextRuns(cron, { count = 1, from = new Date(), timeZone })`. */
function resolveNextRunsOptions(cron, options) {
  if (typeof cron !== 'string') throw invalidType(`The "cron" argument must be a string; received ${describeType(cron)}`)
  const { count, from, timeZone } = optionsObject(options)
  if (timeZone !== undefined && typeof timeZone !== 'string') {
    throw invalidType(`The "timeZone" option must be a string; received ${describeType(timeZone)}`)
  }
  return {
    cron,
    count: count === undefined ? 1 : integerInRange(count, 'count', 1, 100000),
    fromMs: from === undefined ? Date.now() : instant(from, 'from'),
    timeZone: timeZone ?? systemTimeZone(),
  }
}

/** A valid Date (or a number of ms since the epoch), as ms. */
function instant(value, name) {
  const ms = value instanceof Date ? value.getTime() : value
  if (typeof ms !== 'number') throw invalidType(`The "${name}" option must be a Date; received ${describeType(value)}`)
  if (!Number.isFinite(ms)) throw outOfRange(`The "${name}" option must be a valid Date; received ${String(value)}`)
  return ms
}

module.exports = {
  resolveOrchestratorOptions,
  resolveJobOptions,
  resolveStopOptions,
  resolveNextRunsOptions,
  jobName,
  checkCloneable,
  PRIORITIES,
}
