'use strict'

// The worker module of examples/demo.js. Each export is a handler the demo
// picks with `execute(payload, { name })`.

/** Counts the primes in [from, to) by trial division: deliberately slow, pure CPU. */
exports.countPrimes = function countPrimes({ from, to }) {
  let count = 0
  for (let n = Math.max(from, 2); n < to; n++) {
    let prime = true
    for (let d = 2; d * d <= n; d++) {
      if (n % d === 0) { prime = false; break }
    }
    if (prime) count++
  }
  return count
}

/** Kills its own worker thread, as a buggy or hostile task might. */
exports.crash = function crash() {
  process.exit(3)
}

/** Crashes its own process as a native addon's bug would: only a process worker survives this. */
exports.segfault = function segfault() {
  process.kill(process.pid, 'SIGSEGV')
}

/** Never returns and never yields: only terminating the worker can stop it. */
exports.spin = function spin() {
  while (true) {
    // busy: no await, no I/O
  }
}

/** A short async task, to show that other tasks are unaffected. */
exports.sleep = async function sleep(ms) {
  await new Promise((resolve) => setTimeout(resolve, ms))
  return `slept ${ms} ms`
}
