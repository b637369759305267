/**
 * `require('parallel-processor/dashboard')` / `import dashboard from
 * 'parallel-processor/dashboard'`: a request handler serving a live page of a
 * pool and an orchestrator (docs/dashboard.md). Written by hand; checked by
 * __test__/types/dashboard.ts.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { ParallelProcessor, Orchestrator } from './index.js'

declare function dashboard(options: dashboard.DashboardOptions): dashboard.DashboardHandler

declare namespace dashboard {
  export interface DashboardOptions {
    /** The pool to show: its workers, queue, throughput, latency and errors. */
    pool?: ParallelProcessor
    /** The orchestrator to show: its jobs and dead letters, with actions. */
    orchestrator?: Orchestrator
    /**
     * Enables actions (trigger, enable, disable, retry and clear dead letters)
     * for requests with `Authorization: Bearer <token>`. Without it the
     * dashboard is read-only.
     */
    token?: string
    /** The page's title. Default `'parallel-processor'`. */
    title?: string
  }

  /** A Node.js request handler: for `http.createServer`, or a framework's raw request and response. */
  export type DashboardHandler = (req: IncomingMessage, res: ServerResponse) => void

  const dashboardExport: typeof dashboard
  export { dashboardExport as dashboard, dashboardExport as default }
}

export = dashboard
