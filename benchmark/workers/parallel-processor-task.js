'use strict'

// The big data and Babel workloads on parallel-processor: the shared
// handlers, and echo-back with the buffer moved back (the package's move()).
const { move } = require('parallel-processor')
const handlers = require('./handlers')

function echoMoved(buf) {
  if (typeof move !== 'function') throw new TypeError('parallel-processor exports no move()')
  return move(buf)
}

module.exports = { ...handlers, echoMoved }
