'use strict'

const { ThreadWorker } = require('poolifier')
const { echo, fib } = require('./handlers')

module.exports = new ThreadWorker({ echo, fib })
