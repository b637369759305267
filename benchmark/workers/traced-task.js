'use strict'

// module-task.js in a worker that traces: the SDK registered, as the
// application's own worker module would do it.
require('./tracing-sdk')
module.exports = require('./module-task')
