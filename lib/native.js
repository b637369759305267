'use strict'

// The addon, through the loader napi-rs generates at build time (`npm install`
// runs the build): it picks the binary for this platform.
module.exports = require('../native/index.js')
