'use strict'

// The big data and Babel workloads on tinypool: the shared handlers, and
// echo-back with the buffer moved back (Tinypool.move()).
const { Tinypool } = require('tinypool')
const handlers = require('./handlers')

module.exports = { ...handlers, echoMoved: (buf) => Tinypool.move(buf) }
