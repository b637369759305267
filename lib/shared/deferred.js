'use strict'

/** `Promise.withResolvers()`, which Node 20 lacks. */
function deferred() {
  let resolve
  let reject
  const promise = new Promise((res, rej) => {
    resolve = res
    reject = rej
  })
  return { promise, resolve, reject }
}

module.exports = { deferred }
