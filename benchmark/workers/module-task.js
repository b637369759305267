'use strict'

// parallel-processor, piscina and tinypool: the default export, plus named exports.
const { echo, fib } = require('./handlers')

module.exports = echo
module.exports.echo = echo
module.exports.fib = fib
