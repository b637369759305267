// The dashboard as docs/dashboard.md mounts it: options, the handler's type,
// the default and named export. Compiled, never run.
import http from 'node:http'
import { Orchestrator, ParallelProcessor } from 'parallel-processor'
import dashboard = require('parallel-processor/dashboard')
import type { DashboardHandler, DashboardOptions } from 'parallel-processor/dashboard'
import { exactly } from './helpers'

const pool = new ParallelProcessor(2, { filename: require.resolve('./worker') })
const orchestrator = new Orchestrator(pool)
const options: DashboardOptions = { pool, orchestrator, token: 'secret', title: 'jobs' }
const handler = dashboard(options)
exactly<DashboardHandler>()(handler)
exactly<DashboardHandler>()(dashboard.dashboard({ pool }))
exactly<DashboardHandler>()(dashboard.default({ orchestrator }))
http.createServer(handler)
http.createServer((req, res) => handler(req, res))

// @ts-expect-error the pool must be a ParallelProcessor
dashboard({ pool: {} })
// @ts-expect-error the token is a string
dashboard({ pool, token: 1 })
// @ts-expect-error no such option
dashboard({ pool, port: 80 })
