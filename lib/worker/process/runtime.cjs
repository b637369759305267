'use strict'

// The entry point of a process worker under Deno, which starts a `.js` file
// as an ES module (this package's files are CommonJS): a `.cjs` file is
// CommonJS there, and what it requires is too. Node and Bun start runtime.js.
require('./runtime.js')
