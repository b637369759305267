'use strict'

// The big data and Babel workloads on piscina: the shared handlers, and
// echo-back with the buffer moved back (Piscina.move()).
const { Piscina } = require('piscina')
const handlers = require('./handlers')

module.exports = { ...handlers, echoMoved: (buf) => Piscina.move(buf) }
