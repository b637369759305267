'use strict'

const workerpool = require('workerpool')
const { echo, fib } = require('./handlers')

workerpool.worker({ echo, fib })
