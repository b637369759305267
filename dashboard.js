'use strict'

/**
 * `require('parallel-processor/dashboard')`: a request handler serving a live
 * page of a pool and an orchestrator (see docs/dashboard.md).
 */
const { dashboard } = require('./lib/dashboard/handler')

module.exports = dashboard
module.exports.dashboard = dashboard
module.exports.default = dashboard
