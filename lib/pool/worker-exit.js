'use strict'

/** How a worker ended, as the core reports it (a WorkerExited event). */
const os = require('node:os')
const { decodeThrown } = require('../shared/thrown-value')

/**
 * What a process worker said before dying: its uncaught error (v8 bytes from
 * the child, which start with 0xFF), or the supervisor's own words (UTF-8
 * text: a child that could not be spawned, or that broke the protocol).
 */
function decodeCause(bytes, start, end) {
  if (bytes[start] !== 0xff) return new Error(bytes.toString('utf8', start, end))
  try {
    return decodeThrown(bytes, start, end).error
  } catch (error) {
    return new Error(`The worker's last words could not be read: ${error.message}`)
  }
}

const SIGNAL_NAMES = new Map(Object.entries(os.constants.signals).map(([name, number]) => [number, name]))

function signalName(number) {
  return SIGNAL_NAMES.get(number) ?? `signal ${number}`
}

module.exports = { signalName, decodeCause }
