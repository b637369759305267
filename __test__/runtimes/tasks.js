'use strict'

/** The worker module of contract.js: what users rely on, in any runtime. */
const { move } = require('../..')

module.exports = function echo(payload) {
  return payload
}

module.exports.add = ({ a, b }) => a + b

module.exports.sleep = (ms) => new Promise((resolve) => setTimeout(() => resolve(ms), ms))

/** Keeps its worker busy, never returning. */
module.exports.spin = () => {
  for (;;);
}

module.exports.throwTyped = (message) => {
  const error = new RangeError(message)
  error.code = 'E_TYPED'
  throw error
}

module.exports.exit = (code) => process.exit(code)

module.exports.crashLater = (ms) => {
  setTimeout(() => { throw new Error('late boom') }, ms)
  return new Promise(() => {})
}

/** Inverts the bytes it is given, in place, and moves them back. */
module.exports.invert = (bytes) => {
  for (let i = 0; i < bytes.length; i++) bytes[i] = 255 - bytes[i]
  return move(bytes)
}

/** Adds 1 to every Int32 of a shared buffer; returns their sum as the worker saw it. */
module.exports.bumpShared = (shared) => {
  const view = new Int32Array(shared)
  let sum = 0
  for (let i = 0; i < view.length; i++) sum += Atomics.add(view, i, 1) + 1
  return sum
}

module.exports.context = () => {
  const { isWorker, workerData } = require('../..')
  return { isWorker, workerData, argv: process.argv.slice(2), env: process.env.CONTRACT_ENV }
}

/** Allocates until the worker runs out of heap. */
module.exports.exhaustMemory = () => {
  const all = []
  for (;;) all.push(new Array(100000).fill({ wasted: true }))
}
