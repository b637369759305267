'use strict'

/**
 * How a task carries its caller's trace context to the worker that runs it.
 *
 * As a job's run does (job-handler.js), a traced task names its handler's
 * export behind a reserved prefix, and its payload is an envelope
 * `[traceContext, payload]` (`[traceContext]` for an undefined payload, so
 * that a JSON payload keeps the pool's cheap path; see codec.js). The worker,
 * when it first resolves such an export name (once per worker, not per task),
 * picks the real export and wraps it in a span (lib/worker/tracing.js).
 * Export names travel as they are to thread workers, to process workers and
 * through a cluster's queue to the workers of another node, so the three get
 * the context with no change to the core, the wire formats or Redis; tasks
 * of an untraced caller are left exactly as they were.
 *
 * The context is the span's own fields, serialized here rather than by a
 * globally registered propagator (the user may have none, or one that
 * writes something else): `[traceId, spanId, traceFlags]`, then the W3C
 * `tracestate` string when there is one.
 */

/** Export names do not start with NUL by accident (the job prefix's reasoning). */
const PREFIX = '\u0000traced:'

/** The export name a traced task submits: `name` (null: the default export) behind the prefix. */
function tracedExportName(name) {
  return PREFIX + (name ?? '')
}

/** Whether the export name a task carries is a traced one; then the inner name (null: default). */
function exportOfTraced(name) {
  if (typeof name !== 'string' || !name.startsWith(PREFIX)) return undefined
  const inner = name.slice(PREFIX.length)
  return inner === '' ? null : inner
}

/** What crosses the boundary of a span context (an @opentelemetry/api SpanContext). */
function wireContext(spanContext) {
  const state = spanContext.traceState?.serialize()
  return state ? [spanContext.traceId, spanContext.spanId, spanContext.traceFlags, state] : [spanContext.traceId, spanContext.spanId, spanContext.traceFlags]
}

function tracedEnvelope(context, payload) {
  return payload === undefined ? [context] : [context, payload]
}

module.exports = { tracedExportName, exportOfTraced, wireContext, tracedEnvelope }
