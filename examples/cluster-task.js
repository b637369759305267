'use strict'

// The module every node of the example cluster runs: a "thumbnail" that
// takes a little CPU. Each node names its own copy of it.
module.exports = function thumbnail({ image }, ctx) {
  const until = Date.now() + 20
  let hash = 0
  while (Date.now() < until) hash = (hash * 31 + image.length) | 0
  return { image, node: process.env.NODE_NAME, delivery: ctx.delivery, hash }
}
