'use strict'

/**
 * An OpenTelemetry SDK that keeps finished spans in memory, registered in
 * the isolate that loads this file (the test's, or a worker's), and spans
 * in a plain form that crosses a worker boundary.
 */
const api = require('@opentelemetry/api')
const { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } = require('@opentelemetry/sdk-trace-base')
const { AsyncLocalStorageContextManager } = require('@opentelemetry/context-async-hooks')

/** Registers the SDK globally; returns its exporter. */
function registerSdk() {
  const exporter = new InMemorySpanExporter()
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] })
  api.context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable())
  api.trace.setGlobalTracerProvider(provider)
  return { exporter, provider }
}

/** Unregisters what registerSdk() registered. */
async function unregisterSdk({ provider }) {
  await provider.shutdown()
  api.trace.disable()
  api.context.disable()
}

/** A finished span as plain data. */
function plain(span) {
  const { traceId, spanId } = span.spanContext()
  return {
    name: span.name,
    kind: span.kind,
    traceId,
    spanId,
    parentSpanId: span.parentSpanContext?.spanId ?? null,
    attributes: { ...span.attributes },
    status: { ...span.status },
    events: span.events.map((event) => ({ name: event.name, attributes: { ...event.attributes } })),
    ended: span.ended,
  }
}

module.exports = { api, registerSdk, unregisterSdk, plain }
