'use strict'

// The same two handlers for every pool: the tiny task and the CPU task.
function echo(x) {
  return x
}

function fib(n) {
  return n < 2 ? n : fib(n - 1) + fib(n - 2)
}

module.exports = { echo, fib }
