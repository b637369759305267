'use strict'

/**
 * piscina's `move()` and its Transferable protocol, over the package's own
 * `move()` (lib/shared/transfer.js), which marks a buffer or port to be
 * moved wherever it sits in a payload or a result. piscina's `move()`
 * returns a wrapper that its own worker unwraps; this one returns the value
 * to send itself, its memory marked, so that the pool's workers (which know
 * nothing of piscina) move it the same way, in a task and in a result.
 */
const { types } = require('node:util')
const { MessagePort } = require('node:worker_threads')
const { move: markMoved } = require('../shared/transfer')

// The symbols piscina registers (src/symbols.ts): a class of one's own that
// implements them is a Transferable to piscina, and to this entry.
const transferableSymbol = Symbol.for('Piscina.transferable')
const valueSymbol = Symbol.for('Piscina.valueOf')
const queueOptionsSymbol = Symbol.for('Piscina.queueOptions')

function isTransferable(value) {
  return value != null && typeof value === 'object' && transferableSymbol in value && valueSymbol in value
}

function movable(value) {
  return types.isArrayBuffer(value) || ArrayBuffer.isView(value) || value instanceof MessagePort
}

/**
 * A buffer, typed array or port: marked and returned. A Transferable: its
 * transferable part marked, its value returned (the part moves when the
 * value holds it, as piscina's own Transferables do). Anything else is
 * returned as it is: it is copied, as piscina copies what it cannot move.
 */
function move(value) {
  if (isTransferable(value)) {
    const inner = value[valueSymbol]
    // Its part: one buffer or port, or a list of them.
    const parts = [].concat(value[transferableSymbol])
    for (const part of parts) {
      if (!movable(part) || types.isSharedArrayBuffer(part.buffer ?? part)) continue
      markMoved(part)
      // A view is reached as a view: marked, it moves its whole buffer.
      if (ArrayBuffer.isView(inner) && inner.buffer === part) markMoved(inner)
    }
    return inner
  }
  if (movable(value) && !types.isSharedArrayBuffer(value.buffer ?? value)) return markMoved(value)
  return value
}

module.exports = { move, transferableSymbol, valueSymbol, queueOptionsSymbol }
