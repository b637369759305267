'use strict'

/**
 * How a job's run tells its worker handler which run it is (`ctx.job`).
 *
 * The orchestrator submits a run as an ordinary task whose export name is the
 * handler's behind a reserved prefix, and whose payload is an envelope
 * `{ job, payload }`. The worker, when it first resolves that export name
 * (once per worker, not per task: see task-runner.js), picks the real export
 * and wraps it: the wrapper sets `ctx.job` and calls the export with the
 * envelope's payload. Thread and process workers share the loader, so both
 * get it; ordinary tasks never meet the wrapper, and the pool's submit path,
 * its wire format and the core know nothing of jobs.
 */

/** No export is named like this by accident: module export names do not start with NUL. */
const PREFIX = '\u0000job:'

/** The export name a run of a job submits: `name` (null: the default export) behind the prefix. */
function jobExportName(name) {
  return PREFIX + (name ?? '')
}

/** Whether the export name a task carries is one of a job's; then the real one (null: default). */
function exportOfJob(name) {
  if (typeof name !== 'string' || !name.startsWith(PREFIX)) return undefined
  const real = name.slice(PREFIX.length)
  return real === '' ? null : real
}

/**
 * The task's payload for a run: what its handler gets, and who it is. An
 * undefined payload is left out, so that the envelope stays plain JSON (the
 * pool's cheap path; see lib/shared/codec.js).
 */
function jobEnvelope(job, payload) {
  return payload === undefined ? { job } : { job, payload }
}

/** The handler a run calls in the worker: the export, with `ctx.job` set. */
function unwrappingJob(handler) {
  return function runJob(envelope, ctx) {
    ctx.job = envelope.job
    return handler(envelope.payload, ctx)
  }
}

module.exports = { jobExportName, exportOfJob, jobEnvelope, unwrappingJob }
