'use strict'

/**
 * Values that travel between replicas through Redis, as base64 text inside
 * the JSON the leader stores: payloads and results in v8's format (what
 * structured clone keeps), errors as the pool carries them from a worker
 * (their class name, `code` and own properties kept; lib/shared/thrown-value.js).
 */
const v8 = require('node:v8')
const { encodeThrown, decodeThrown } = require('../../shared/thrown-value')
const { notCloneable } = require('../../shared/errors')

/** Throws ERR_DATA_CLONE for what structured clone cannot carry. */
function packValue(value, what = 'value') {
  try {
    return v8.serialize(value).toString('base64')
  } catch (error) {
    throw notCloneable(`The ${what} cannot be cloned to another replica: ${error.message}`)
  }
}

function unpackValue(text) {
  return text == null ? undefined : v8.deserialize(Buffer.from(text, 'base64'))
}

/** Never throws (see encodeThrown). */
function packError(error) {
  return encodeThrown(error).toString('base64')
}

function unpackError(text) {
  const bytes = Buffer.from(text, 'base64')
  return decodeThrown(bytes, 0, bytes.length).error
}

module.exports = { packValue, unpackValue, packError, unpackError }
