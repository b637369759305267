'use strict'

/** How a worker ended, as the core reports it (a WorkerExited event). */
const os = require('node:os')
const { decodeThrown } = require('../shared/thrown-value')
const { SERIALIZED_TAG } = require('../shared/codec')

const SIGNAL_NAMES = new Map(Object.entries(os.constants.signals).map(([name, number]) => [number, name]))

function signalName(number) {
  return SIGNAL_NAMES.get(number) ?? `signal ${number}`
}

/**
 * What a process worker said before dying: its uncaught error (v8 bytes from
 * the child, which start with SERIALIZED_TAG), or the supervisor's own words (UTF-8
 * text: a child that could not be spawned, or that broke the protocol).
 */
function decodeCause(bytes, start, end) {
  if (bytes[start] !== SERIALIZED_TAG) return new Error(bytes.toString('utf8', start, end))
  try {
    return decodeThrown(bytes, start, end).error
  } catch (error) {
    return new Error(`The worker's last words could not be read: ${error.message}`)
  }
}

/**
 * A WorkerExited record's fields as a crash reports them: `{ exitCode,
 * signal, cause }`. `code` is NaN after a signal, `signalNumber` 0 for none;
 * `bytes[start..end)` what the worker said, else `otherwise` (a thread's
 * error, which arrives by its 'error' event).
 */
function workerEnd(code, signalNumber, bytes, start, end, otherwise) {
  return {
    // Windows exit codes are unsigned (0xC0000005 for an access violation),
    // and arrive here as their signed 32 bits.
    exitCode: Number.isNaN(code) ? null : process.platform === 'win32' ? code >>> 0 : code,
    signal: signalNumber === 0 ? null : signalName(signalNumber),
    cause: end > start ? decodeCause(bytes, start, end) : otherwise,
  }
}

/** Why a worker could not start, for WorkerStartError's `cause`. */
function startErrorOf({ exitCode, signal, cause }) {
  return cause ?? new Error(`The worker ${signal === null ? `exited with code ${exitCode}` : `was killed by ${signal}`} before it was ready`)
}

module.exports = { workerEnd, startErrorOf }
