'use strict'

/**
 * The dashboard's request handler over real HTTP, with a real pool and
 * orchestrator: routes under a prefix (plain and Express-style), security
 * headers, the snapshot, the event stream and its timer, actions and their
 * token, option checks, and a pool or orchestrator that has gone away.
 */
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { ParallelProcessor, Orchestrator } = require('../..')
const dashboard = require('../../dashboard')
const { fixture, waitFor, runNode, repoRoot } = require('../helpers')
const { startRedis, queueName, dropQueue } = require('../cluster/redis')
const { serve, request, openStream } = require('./server')

const JOBS = fixture('jobs.js')
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
const TOKEN = 'correct horse battery staple'

const cleanups = []
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup()
})

/** A pool (2 thread workers of jobs.js) and a started orchestrator, stopped and disposed after the tests. */
async function components(register = () => {}) {
  const pool = new ParallelProcessor(2, { filename: JOBS })
  const orchestrator = new Orchestrator(pool)
  register(orchestrator)
  await orchestrator.start()
  cleanups.push(async () => {
    await orchestrator.stop({ timeoutMs: 1000 })
    await pool.dispose()
  })
  return { pool, orchestrator }
}

async function served(handler, options) {
  const server = await serve(handler, options)
  cleanups.push(() => server.close())
  return server
}

describe('options', () => {
  let pool
  beforeAll(() => {
    pool = new ParallelProcessor(1, { filename: JOBS })
    cleanups.push(() => pool.dispose())
  })

  test.each([
    ['no options', undefined, TypeError, 'ERR_INVALID_ARG_TYPE'],
    ['options that are not an object', 'pool', TypeError, 'ERR_INVALID_ARG_TYPE'],
    ['neither a pool nor an orchestrator', {}, TypeError, 'ERR_INVALID_ARG_VALUE'],
    ['an unknown option', { pool: 'later', port: 80 }, TypeError, 'ERR_INVALID_ARG_VALUE'],
    ['a pool that is not a ParallelProcessor', { pool: { stats: () => ({}) } }, TypeError, 'ERR_INVALID_ARG_TYPE'],
    ['an orchestrator that is not an Orchestrator', { orchestrator: { status: () => ({}) } }, TypeError, 'ERR_INVALID_ARG_TYPE'],
  ])('refuses %s', (_, options, Class, code) => {
    expect(() => dashboard(options)).toThrow(Class)
    expect(() => dashboard(options)).toThrow(expect.objectContaining({ code }))
  })

  test('refuses a token or title of the wrong type, and an empty token', () => {
    expect(() => dashboard({ pool, token: 42 })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }))
    expect(() => dashboard({ pool, token: '' })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }))
    expect(() => dashboard({ pool, title: ['x'] })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }))
  })

  test('is the same function by require, named export and import', async () => {
    expect(typeof dashboard({ pool })).toBe('function')
    expect(dashboard.dashboard).toBe(dashboard)
    const { stdout } = await runNode(['--input-type=module', '-e', `
      import dashboard, { dashboard as named } from 'parallel-processor/dashboard'
      import { createRequire } from 'node:module'
      const required = createRequire(process.cwd() + '/')('parallel-processor/dashboard')
      console.log(typeof dashboard, dashboard === named, dashboard === required)
    `], { cwd: repoRoot })
    expect(stdout.trim()).toBe('function true true')
  })
})

describe('routes', () => {
  let server
  let pool
  beforeAll(async () => {
    ({ pool } = await components((orchestrator) => orchestrator.register('stamp', { name: 'stamp' })))
    server = await served(dashboard({ pool, title: 'Billing <prod>' }))
  })

  test('the page, its script and its style, with the security headers', async () => {
    for (const [file, type] of [['', 'text/html'], ['app.js', 'text/javascript'], ['app.css', 'text/css']]) {
      const response = await request(server.url(file))
      expect(response.status).toBe(200)
      expect(response.headers['content-type']).toContain(type)
      expect(response.headers['content-security-policy']).toBe(CSP)
      expect(response.headers['x-content-type-options']).toBe('nosniff')
      expect(response.headers['cache-control']).toBe('no-store')
    }
    const page = await request(server.url())
    // The title is escaped; the page has no inline script or style, and names its files relatively.
    expect(page.text).toContain('<title>Billing &lt;prod&gt;</title>')
    expect(page.text).not.toMatch(/<script>|<script(?![^>]*\ssrc=)[^>]*>|<style|\sstyle=|\son\w+=/i)
    expect(page.text).toContain('src="app.js"')
    expect(page.text).toContain('href="app.css"')
    expect(page.text).not.toMatch(/(src|href)="(\/|https?:)/)
  })

  test('HEAD gives the headers without a body', async () => {
    const response = await request(server.url('snapshot'), { method: 'HEAD' })
    expect(response.status).toBe(200)
    expect(response.text).toBe('')
  })

  test('unknown paths are 404 and wrong methods 405, as JSON', async () => {
    const missing = await request(server.url('index.php'))
    expect(missing.status).toBe(404)
    expect(missing.json.error.code).toBe('NOT_FOUND')
    const wrong = await request(server.url('snapshot'), { method: 'POST', body: {} })
    expect(wrong.status).toBe(405)
    expect(wrong.headers.allow).toBe('GET, HEAD')
    const get = await request(server.url('action'))
    expect(get.status).toBe(405)
    expect(get.headers.allow).toBe('POST')
    expect((await request(server.url(), { method: 'DELETE' })).status).toBe(405)
  })

  test('routes by the last segment of the path, under any prefix, ignoring the query', async () => {
    const deep = await request(`${server.base}/ops/tools/dash/snapshot?x=1`)
    expect(deep.status).toBe(200)
    expect(deep.json.pool.available).toBe(true)
    expect((await request(`${server.base}/?from=root`)).status).toBe(200)
  })

  test('no metrics route when the pool has no metrics()', async () => {
    const response = await request(server.url('metrics'))
    expect(response.status).toBe(typeof pool.metrics === 'function' ? 200 : 404)
  })
})

describe('mounted by a framework that strips its prefix (Express)', () => {
  let server
  beforeAll(async () => {
    const { pool, orchestrator } = await components()
    server = await served(dashboard({ pool, orchestrator }), { prefix: '/admin', mount: 'stripped' })
  })

  test('the mount path without its slash is redirected to it, with its query', async () => {
    const response = await request(`${server.base}/admin?tab=jobs`)
    expect(response.status).toBe(308)
    expect(response.headers.location).toBe('/admin/?tab=jobs')
  })

  test('the page and the snapshot are served under it', async () => {
    const page = await request(`${server.base}/admin/`)
    expect(page.status).toBe(200)
    expect(page.headers['content-type']).toContain('text/html')
    const snapshot = await request(`${server.base}/admin/snapshot`)
    expect(snapshot.json.orchestrator.state).toBe('running')
  })
})

describe('the snapshot', () => {
  test('shows the pool, its workers and counters, and the orchestrator with its jobs and dead letters', async () => {
    const { pool, orchestrator } = await components((o) => {
      o.register('nightly', { cron: '30 2 * * *', timeZone: 'Europe/Paris', name: 'stamp' })
      o.register('doomed', { name: 'fail', retries: 0, payload: { message: 'card <declined>' } })
      o.register('tripping', { name: 'stamp', breaker: { cooldownMs: 60000 } })
    })
    const server = await served(dashboard({ pool, orchestrator }))
    await pool.execute({ ms: 1 }, { name: 'stamp' })
    await expect(pool.execute({}, { name: 'fail' })).rejects.toThrow('job failed')
    await expect(orchestrator.trigger('doomed')).rejects.toThrow('card <declined>')

    const { status, json } = await request(server.url('snapshot'))
    expect(status).toBe(200)
    expect(json.readOnly).toBe(true)
    expect(json.pool).toMatchObject({ available: true, disposed: false, size: 2, completed: 1, queued: 0, running: 0 })
    expect(json.pool.errors).toMatchObject({ failedByHandler: 2, timedOut: 0, crashed: 0, queueTimedOut: 0, aborted: 0 })
    expect(json.pool.workers).toHaveLength(2)
    expect(json.pool.workers[0]).toMatchObject({ kind: 'thread', restarts: 0 })
    expect(json.pool.cluster).toBeNull()

    const jobs = Object.fromEntries(json.orchestrator.jobs.map((job) => [job.name, job]))
    expect(jobs.nightly).toMatchObject({ mode: 'scheduled', cron: '30 2 * * *', timeZone: 'Europe/Paris', enabled: true, breaker: null })
    expect(jobs.nightly.nextRuns).toEqual(Orchestrator.nextRuns('30 2 * * *', { count: 5, timeZone: 'Europe/Paris' }).map((date) => date.getTime()))
    expect(jobs.nightly.nextRunAt).toBe(jobs.nightly.nextRuns[0])
    expect(jobs.doomed).toMatchObject({ runs: 1, successes: 0, failures: 1, successRate: 0, lastError: 'card <declined>', nextRuns: [] })
    expect(jobs.tripping.breaker).toBe('closed')
    expect(json.orchestrator.deadLetterCount).toBe(1)
    expect(json.orchestrator.deadLetters[0]).toMatchObject({
      job: 'doomed',
      attempts: 1,
      payload: "{ message: 'card <declined>' }",
      error: { name: 'Error', code: 'E_JOB', message: 'card <declined>' },
    })
  })

  test('history: per-interval throughput and mean latency from the sampled counters', async () => {
    const { pool } = await components()
    const server = await served(dashboard({ pool }))
    const stream = await openStream(server.url('events'))
    cleanups.push(() => stream.close())
    await stream.until(1)
    await Promise.all([1, 2, 3, 4].map(() => pool.execute({ ms: 20 }, { name: 'stamp' })))
    // The next tick sees them: one interval with 4 runs of about 20 ms.
    const event = await waitForEvent(stream, (snapshot) => snapshot.pool.history.some((point) => point.runMs !== null))
    const point = event.pool.history.find((p) => p.runMs !== null)
    expect(point.runMs).toBeGreaterThanOrEqual(19)
    expect(point.completed).toBeGreaterThan(0)
    stream.close()
  })

  test('a pool in a cluster shows its nodes and queue', async () => {
    const redis = await startRedis()
    const queue = queueName('dashboard')
    const pool = new ParallelProcessor(1, { filename: JOBS, cluster: { redis: redis.url, queue, heartbeatMs: 200 } })
    cleanups.push(async () => {
      await pool.dispose()
      await dropQueue(redis.url, queue).catch(() => {})
      await redis.stop()
    })
    const server = await served(dashboard({ pool }))
    await pool.execute({ ms: 1 }, { name: 'stamp' })
    let cluster
    await waitFor(async () => {
      cluster = (await request(server.url('snapshot'))).json.pool.cluster
      // As of the node's last heartbeat: the task is acknowledged by a later one.
      return cluster !== null && cluster.nodes.length === 1 && cluster.pending === 0
    }, 10000, 'the node to be seen, its task acknowledged')
    expect(cluster).toMatchObject({ queued: 0, pending: 0, deadLetters: 0, redelivered: 0 })
    expect(cluster.lanes).toEqual([{ priority: 0, queued: 0, pending: 0 }])
    expect(cluster.nodes[0].id).toBe(cluster.nodeId)
    expect(cluster.nodes[0].lastSeenMs).toBeGreaterThanOrEqual(0)
  }, 30000)
})

describe('an orchestrator across replicas', () => {
  test('shows its jobs with their schedule, and status().cluster; actions act cluster-wide', async () => {
    const redis = await startRedis()
    const name = queueName('dashboard-replicas')
    const pool = new ParallelProcessor(1, { filename: JOBS })
    const orchestrator = new Orchestrator(pool, { cluster: { redis: redis.url, name, heartbeatMs: 200 } })
    orchestrator.register('weekly', { cron: '0 6 * * 1', timeZone: 'America/New_York', name: 'stamp' })
    await orchestrator.start()
    cleanups.push(async () => {
      await orchestrator.stop({ timeoutMs: 1000 })
      await pool.dispose()
      await redis.stop()
    })
    const server = await served(dashboard({ pool, orchestrator, token: TOKEN }))
    let snapshot
    await waitFor(async () => {
      snapshot = (await request(server.url('snapshot'))).json
      return snapshot.orchestrator.cluster?.connected === true && snapshot.orchestrator.jobs.length === 1
    }, 10000, 'the replica to connect')
    const [job] = snapshot.orchestrator.jobs
    expect(job).toMatchObject({ name: 'weekly', cron: '0 6 * * 1', timeZone: 'America/New_York' })
    expect(job.nextRuns).toEqual(Orchestrator.nextRuns('0 6 * * 1', { count: 5, timeZone: 'America/New_York' }).map((date) => date.getTime()))
    const disabled = await request(server.url('action'), { method: 'POST', headers: { Authorization: `Bearer ${TOKEN}` }, body: { action: 'disable', job: 'weekly' } })
    expect(disabled.json).toMatchObject({ ok: true, action: 'disable' })
    await waitFor(() => orchestrator.status().jobs.weekly?.enabled === false, 10000, 'the job to be disabled')
  }, 30000)
})

/** The next event of the stream whose snapshot satisfies `condition`. */
async function waitForEvent(stream, condition, timeoutMs = 10000) {
  const start = Date.now()
  for (let seen = stream.events.length; Date.now() - start < timeoutMs; seen++) {
    let timer
    const event = await Promise.race([stream.until(seen + 1), new Promise((resolve) => { timer = setTimeout(resolve, timeoutMs, null) })])
    clearTimeout(timer)
    if (event === null) break
    if (condition(event.json)) return event.json
  }
  throw new Error('timed out waiting for a snapshot event')
}

describe('the event stream', () => {
  test('sends retry, a snapshot at once and one a second; its timer goes when the last client does', async () => {
    const { pool, orchestrator } = await components()
    const server = await served(dashboard({ pool, orchestrator }))
    const first = await openStream(server.url('events'))
    expect(first.status).toBe(200)
    expect(first.headers['content-type']).toContain('text/event-stream')
    expect(first.headers['content-security-policy']).toBe(CSP)
    const event = await first.until(1)
    expect(first.retry).toBe(1000)
    expect(event.event).toBe('snapshot')
    expect(event.json.streams).toBe(1)
    const second = await openStream(server.url('events'))
    expect((await second.until(1)).json.streams).toBe(2)
    // Ticks reach both.
    await first.until(3)
    await second.until(2)
    first.close()
    await waitFor(async () => (await request(server.url('snapshot'))).json.streams === 1, 5000, 'the first client to be forgotten')
    second.close()
    await waitFor(async () => (await request(server.url('snapshot'))).json.streams === 0, 5000, 'the last client to be forgotten')
  })

  test('a watched, then abandoned, dashboard never holds the process open', async () => {
    const script = `
      const http = require('node:http')
      const { ParallelProcessor } = require(${JSON.stringify(repoRoot)})
      const dashboard = require(${JSON.stringify(path.join(repoRoot, 'dashboard.js'))})
      const pool = new ParallelProcessor(1, { filename: ${JSON.stringify(JOBS)} })
      const server = http.createServer(dashboard({ pool })).listen(0, '127.0.0.1', () => {
        const req = http.get('http://127.0.0.1:' + server.address().port + '/events', (res) => {
          let events = 0
          res.on('data', (chunk) => {
            events += (String(chunk).match(/event: snapshot/g) || []).length
            if (events === 2) {
              req.destroy()
              server.close(() => console.log('closed after', events, 'events'))
            }
          })
        })
      })
    `
    const result = await runNode(['-e', script], { timeout: 15000 })
    expect(result.stderr).toBe('')
    expect(result.stdout).toContain('closed after 2 events')
    expect(result.killed).toBe(false)
    expect(result.code).toBe(0)
  }, 20000)
})

describe('actions', () => {
  let server
  let readOnly
  let pool
  let orchestrator
  let flag
  beforeAll(async () => {
    flag = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'pp-dashboard-')), 'fail')
    ;({ pool, orchestrator } = await components((o) => {
      o.register('stamp', { name: 'stamp', payload: { ms: 1 } })
      o.register('slow', { name: 'stamp', payload: { ms: 1500 } })
      o.register('flaky', { name: 'failWhile', retries: 0, payload: { file: flag } })
    }))
    server = await served(dashboard({ pool, orchestrator, token: TOKEN }))
    readOnly = await served(dashboard({ pool, orchestrator }))
  })
  const bearer = { Authorization: `Bearer ${TOKEN}` }
  const act = (body, headers = bearer, on = server) => request(on.url('action'), { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body })

  test('a dashboard without a token refuses every action with 403', async () => {
    const response = await act({ action: 'trigger', job: 'stamp' }, bearer, readOnly)
    expect(response.status).toBe(403)
    expect(response.json.ok).toBe(false)
    expect((await request(readOnly.url('snapshot'))).json.readOnly).toBe(true)
  })

  test('a missing or wrong token is 401', async () => {
    for (const headers of [{}, { Authorization: 'Bearer nope' }, { Authorization: TOKEN }, { Authorization: `Basic ${TOKEN}` }, { Authorization: `Bearer ${TOKEN}x` }]) {
      const response = await act({ action: 'trigger', job: 'stamp' }, headers)
      expect(response.status).toBe(401)
      expect(response.headers['www-authenticate']).toBe('Bearer')
    }
    expect(orchestrator.status().jobs.stamp.runs).toBe(0)
  })

  test('trigger, with the token, answers with the run\'s result', async () => {
    const response = await act({ action: 'trigger', job: 'stamp' })
    expect(response.status).toBe(200)
    expect(response.json).toMatchObject({ ok: true, action: 'trigger' })
    expect(response.json.result).toContain("name: 'stamp'")
    expect((await request(server.url('snapshot'))).json.readOnly).toBe(false)
  })

  test('a trigger of a running job is 409 with ERR_JOB_BUSY', async () => {
    const running = act({ action: 'trigger', job: 'slow' })
    await waitFor(() => orchestrator.status().jobs.slow.state === 'running', 5000, 'the slow job to run')
    const busy = await act({ action: 'trigger', job: 'slow' })
    expect(busy.status).toBe(409)
    expect(busy.json.error.code).toBe('ERR_JOB_BUSY')
    expect((await running).status).toBe(200)
  })

  test('disable and enable', async () => {
    expect((await act({ action: 'disable', job: 'stamp' })).json.ok).toBe(true)
    expect(orchestrator.status().jobs.stamp.enabled).toBe(false)
    expect((await act({ action: 'enable', job: 'stamp' })).json.ok).toBe(true)
    expect(orchestrator.status().jobs.stamp.enabled).toBe(true)
  })

  test('a dead letter is retried, and the letters cleared', async () => {
    fs.writeFileSync(flag, '')
    const failed = await act({ action: 'trigger', job: 'flaky' })
    expect(failed.status).toBe(200)
    expect(failed.json).toMatchObject({ ok: false, error: { message: 'switched to fail' } })
    const [letter] = orchestrator.deadLetters()
    fs.rmSync(flag)
    const retried = await act({ action: 'retryDeadLetter', id: letter.id })
    expect(retried.json).toMatchObject({ ok: true, action: 'retryDeadLetter' })
    expect(orchestrator.deadLetters()).toHaveLength(0)
    const missing = await act({ action: 'retryDeadLetter', id: letter.id })
    expect(missing.status).toBe(404)
    expect(missing.json.error.code).toBe('ERR_JOB_NOT_FOUND')

    fs.writeFileSync(flag, '')
    await act({ action: 'trigger', job: 'flaky' })
    fs.rmSync(flag)
    expect(orchestrator.deadLetters()).toHaveLength(1)
    expect((await act({ action: 'clearDeadLetters' })).json.ok).toBe(true)
    expect(orchestrator.deadLetters()).toHaveLength(0)
  })

  test.each([
    ['not JSON', '{"action":'],
    ['not an object', '[1]'],
    ['an unknown action', { action: 'dispose' }],
    ['a trigger without a job', { action: 'trigger' }],
    ['a job that is not a string', { action: 'enable', job: { name: 'stamp' } }],
    ['a retry without an id', { action: 'retryDeadLetter' }],
    ['a retry with a bad id', { action: 'retryDeadLetter', id: -1 }],
  ])('bad input is 400 with a JSON error: %s', async (_, body) => {
    const response = await act(body)
    expect(response.status).toBe(400)
    expect(response.json.ok).toBe(false)
    expect(typeof response.json.error.message).toBe('string')
  })

  test('an unknown job is 404; an oversized body is 413; the pool keeps serving', async () => {
    const unknown = await act({ action: 'trigger', job: 'nope' })
    expect(unknown.status).toBe(404)
    expect(unknown.json.error.code).toBe('ERR_JOB_NOT_FOUND')
    const huge = await act({ action: 'trigger', job: 'x'.repeat(100_000) })
    expect(huge.status).toBe(413)
    await expect(pool.execute({ ms: 1 }, { name: 'stamp' })).resolves.toMatchObject({ payload: { ms: 1 } })
    expect((await request(server.url('snapshot'))).status).toBe(200)
  })

  test('a body a framework parsed already is used as it is', async () => {
    const parsed = await served(dashboard({ pool, orchestrator, token: TOKEN }), {
      before: (req) => { req.body = { action: 'disable', job: 'stamp' } },
    })
    const response = await request(parsed.url('action'), { method: 'POST', headers: bearer })
    expect(response.json).toMatchObject({ ok: true, action: 'disable' })
    expect(orchestrator.status().jobs.stamp.enabled).toBe(false)
    orchestrator.enable('stamp')
  })
})

describe('a pool or orchestrator that has gone away', () => {
  test('a disposed pool and a stopped orchestrator are shown as such; no request fails', async () => {
    const pool = new ParallelProcessor(1, { filename: JOBS })
    const orchestrator = new Orchestrator(pool)
    orchestrator.register('stamp', { name: 'stamp' })
    await orchestrator.start()
    const server = await served(dashboard({ pool, orchestrator, token: TOKEN }))
    const stream = await openStream(server.url('events'))
    cleanups.push(() => stream.close())
    await stream.until(1)
    await orchestrator.stop()
    await pool.dispose()
    const { json } = await request(server.url('snapshot'))
    expect(json.pool.disposed).toBe(true)
    expect(json.orchestrator.state).toBe('stopped')
    const next = await waitForEvent(stream, (snapshot) => snapshot.pool.disposed)
    expect(next.orchestrator.state).toBe('stopped')
    for (const file of ['', 'app.js', 'app.css', 'snapshot', 'metrics']) {
      expect((await request(server.url(file))).status).toBeLessThan(500)
    }
    const trigger = await request(server.url('action'), { method: 'POST', headers: { Authorization: `Bearer ${TOKEN}` }, body: { action: 'trigger', job: 'stamp' } })
    expect(trigger.status).toBe(409)
    expect(trigger.json.error.code).toBe('ERR_ORCHESTRATOR_STOPPED')
    stream.close()
  })

  test('a pool whose stats() throws gives an unavailable panel, not a 500', async () => {
    class BrokenPool extends ParallelProcessor {
      stats() { throw new Error('stats are broken') }
    }
    const pool = new BrokenPool(1, { filename: JOBS })
    cleanups.push(() => pool.dispose())
    const server = await served(dashboard({ pool }))
    const { status, json } = await request(server.url('snapshot'))
    expect(status).toBe(200)
    expect(json.pool).toMatchObject({ available: false, error: 'stats are broken' })
    const stream = await openStream(server.url('events'))
    expect((await stream.until(1)).json.pool.available).toBe(false)
    stream.close()
  })

  test('metrics(), when the pool has it, as Prometheus text; its failure is a JSON 503', async () => {
    class MeteredPool extends ParallelProcessor {
      metrics() { return '# TYPE parallel_processor_up gauge\nparallel_processor_up 1\n' }
    }
    class FailingPool extends ParallelProcessor {
      metrics() { throw new Error('no metrics today') }
    }
    const metered = new MeteredPool(1, { filename: JOBS })
    const failing = new FailingPool(1, { filename: JOBS })
    cleanups.push(() => Promise.all([metered.dispose(), failing.dispose()]))
    const ok = await request((await served(dashboard({ pool: metered }))).url('metrics'))
    expect(ok.status).toBe(200)
    expect(ok.headers['content-type']).toContain('text/plain; version=0.0.4')
    expect(ok.text).toContain('parallel_processor_up 1')
    const broken = await request((await served(dashboard({ pool: failing }))).url('metrics'))
    expect(broken.status).toBe(503)
    expect(broken.json.error.message).toBe('no metrics today')
  })
})
