'use strict'

/**
 * `dashboard({ pool, orchestrator, token, title })`: a `(req, res)` request
 * handler serving a page that shows a pool and an orchestrator live.
 *
 * Routes, by the LAST segment of the path, so that it works under any prefix
 * (the page names everything relatively):
 *   GET  <prefix>/           the page            GET  <prefix>/snapshot  the JSON snapshot
 *   GET  <prefix>/app.js     its script          GET  <prefix>/events    server-sent events
 *   GET  <prefix>/app.css    its style           GET  <prefix>/metrics   pool.metrics(), when it has one
 *   POST <prefix>/action     { action, job?, id? }: needs `Authorization: Bearer <token>`
 *
 * The event stream ticks once a second while at least one client is
 * connected; the timer is unref'd and exists only then, so an idle
 * dashboard makes no wake-ups and never holds the process open.
 */
const fs = require('node:fs')
const path = require('node:path')
const crypto = require('node:crypto')
const { invalidType, invalidValue } = require('../shared/errors')
const { isPlainObject, refuseUnknownKeys, describeType } = require('../shared/validate')
const { internalsOf } = require('../pool/internal')
const { Orchestrator } = require('../orchestrator/orchestrator')
const { PoolHistory, poolSnapshot, orchestratorSnapshot, preview, describeError } = require('./snapshot')

const OPTIONS = ['pool', 'orchestrator', 'token', 'title']
const TICK_MS = 1000
/** A comment line every this many ticks keeps proxies from closing a quiet stream. */
const HEARTBEAT_TICKS = 15
/** Largest action body read. */
const BODY_LIMIT = 16 * 1024
const ACTIONS = new Set(['trigger', 'enable', 'disable', 'retryDeadLetter', 'clearDeadLetters'])

const SECURITY_HEADERS = {
  'Content-Security-Policy': "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Cache-Control': 'no-store',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
}

/** The page's files, read once, when the first dashboard is made. */
let assets = null
function loadAssets() {
  if (assets === null) {
    const read = (name) => fs.readFileSync(path.join(__dirname, 'public', name), 'utf8')
    assets = { html: read('index.html'), js: read('app.js'), css: read('app.css') }
  }
  return assets
}

function escapeHtml(text) {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c])
}

function resolveDashboardOptions(options) {
  if (!isPlainObject(options)) throw invalidType(`The "options" argument must be an object; received ${describeType(options)}`)
  refuseUnknownKeys(options, OPTIONS, 'dashboard')
  const { pool, orchestrator, token, title } = options
  if (pool != null && internalsOf(pool) === undefined) {
    throw invalidType(`The "pool" option must be a ParallelProcessor; received ${describeType(pool)}`)
  }
  if (orchestrator != null && !(orchestrator instanceof Orchestrator)) {
    throw invalidType(`The "orchestrator" option must be an Orchestrator; received ${describeType(orchestrator)}`)
  }
  if (pool == null && orchestrator == null) throw invalidValue('The dashboard needs a "pool", an "orchestrator", or both')
  if (token !== undefined) {
    if (typeof token !== 'string') throw invalidType(`The "token" option must be a string; received ${describeType(token)}`)
    if (token.length === 0) throw invalidValue('The "token" option must not be empty (leave it out for a read-only dashboard)')
  }
  if (title !== undefined && typeof title !== 'string') throw invalidType(`The "title" option must be a string; received ${describeType(title)}`)
  return { pool: pool ?? null, orchestrator: orchestrator ?? null, token: token ?? null, title: title ?? 'parallel-processor' }
}

const sha256 = (text) => crypto.createHash('sha256').update(text).digest()

function dashboard(options) {
  const config = resolveDashboardOptions(options)
  const { pool, orchestrator, title } = config
  const tokenHash = config.token === null ? null : sha256(config.token)
  const files = loadAssets()
  const page = files.html.replaceAll('{{title}}', escapeHtml(title))
  const history = pool === null ? null : new PoolHistory()
  /** Connected event-stream responses. */
  const streams = new Set()
  let timer = null
  let ticks = 0

  function snapshot() {
    const now = Date.now()
    if (pool !== null) {
      try {
        history.watchExits(pool)
      } catch {
        // No exits shown.
      }
    }
    return {
      title,
      time: now,
      readOnly: tokenHash === null,
      streams: streams.size,
      pool: pool === null ? null : poolSnapshot(pool, history, now),
      orchestrator: orchestrator === null ? null : orchestratorSnapshot(orchestrator),
    }
  }

  function safeSnapshotJson() {
    try {
      return JSON.stringify(snapshot())
    } catch (error) {
      return JSON.stringify({ title, time: Date.now(), readOnly: tokenHash === null, error: describeError(error).message })
    }
  }

  function tick() {
    ticks++
    const data = safeSnapshotJson()
    const heartbeat = ticks % HEARTBEAT_TICKS === 0 ? ': heartbeat\n\n' : ''
    for (const res of streams) {
      try {
        res.write(`${heartbeat}event: snapshot\ndata: ${data}\n\n`)
      } catch {
        forget(res)
      }
    }
  }

  function forget(res) {
    streams.delete(res)
    if (streams.size === 0 && timer !== null) {
      clearInterval(timer)
      timer = null
    }
  }

  function openStream(req, res) {
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'Content-Type': 'text/event-stream; charset=utf-8',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    })
    res.flushHeaders?.()
    req.socket?.setTimeout?.(0)
    streams.add(res)
    const close = () => forget(res)
    res.on('close', close)
    req.on('close', close)
    res.on('error', close)
    res.write(`retry: ${TICK_MS}\n\nevent: snapshot\ndata: ${safeSnapshotJson()}\n\n`)
    if (timer === null && streams.has(res)) {
      timer = setInterval(tick, TICK_MS)
      // Watching the dashboard never keeps the process alive.
      timer.unref()
    }
  }

  async function act(req, res) {
    if (tokenHash === null) return sendJson(res, 403, { ok: false, error: { code: 'READ_ONLY', message: 'This dashboard is read-only: it was made without a token' } })
    const header = req.headers.authorization
    const match = typeof header === 'string' ? /^Bearer +(.+?) *$/i.exec(header) : null
    if (match === null || !crypto.timingSafeEqual(sha256(match[1]), tokenHash)) {
      res.setHeader('WWW-Authenticate', 'Bearer')
      return sendJson(res, 401, { ok: false, error: { code: 'UNAUTHORIZED', message: 'A valid bearer token is needed for actions' } })
    }
    let body
    try {
      body = await readBody(req)
    } catch (error) {
      return sendJson(res, error.status ?? 400, { ok: false, error: { code: 'BAD_REQUEST', message: error.message } })
    }
    const refusal = checkAction(body)
    if (refusal !== null) return sendJson(res, 400, { ok: false, error: { code: 'BAD_REQUEST', message: refusal } })
    const { action, job } = body
    let result
    try {
      switch (action) {
        case 'trigger': result = await orchestrator.trigger(job); break
        case 'enable': await orchestrator.enable(job); break
        case 'disable': await orchestrator.disable(job); break
        case 'retryDeadLetter': result = await orchestrator.retryDeadLetter(Number(body.id)); break
        case 'clearDeadLetters': await orchestrator.clearDeadLetters(); break
      }
    } catch (error) {
      const described = describeError(error)
      const status = described.code === 'ERR_JOB_NOT_FOUND' ? 404
        : described.code === 'ERR_JOB_BUSY' || described.code === 'ERR_ORCHESTRATOR_STOPPED' ? 409
          : described.code === 'ERR_INVALID_ARG_TYPE' || described.code === 'ERR_INVALID_ARG_VALUE' ? 400
            : 200 // the action ran; the run itself failed
      return sendJson(res, status, { ok: false, action, error: described })
    }
    return sendJson(res, 200, { ok: true, action, result: result === undefined ? null : preview(result) })
  }

  /** Why `body` is not a valid action, or null. */
  function checkAction(body) {
    if (!isPlainObject(body)) return 'The body must be a JSON object { action, job?, id? }'
    const { action, job, id } = body
    if (typeof action !== 'string' || !ACTIONS.has(action)) return `"action" must be one of ${[...ACTIONS].join(', ')}`
    if (orchestrator === null) return 'This dashboard has no orchestrator'
    if (action === 'trigger' || action === 'enable' || action === 'disable') {
      if (typeof job !== 'string' || job.length === 0) return `"${action}" needs "job", a job name`
    }
    if (action === 'retryDeadLetter') {
      const number = typeof id === 'string' && /^\d+$/.test(id) ? Number(id) : id
      if (!Number.isSafeInteger(number) || number < 1) return '"retryDeadLetter" needs "id", a dead letter id'
    }
    return null
  }

  function metrics(res) {
    const source = typeof pool?.metrics === 'function' ? pool : typeof orchestrator?.metrics === 'function' ? orchestrator : null
    if (source === null) return sendText(res, 404, 'text/plain; charset=utf-8', 'No metrics: the pool has no metrics()\n')
    let text
    try {
      text = String(source.metrics())
    } catch (error) {
      return sendJson(res, 503, { ok: false, error: describeError(error) })
    }
    return sendText(res, 200, 'text/plain; version=0.0.4; charset=utf-8', text)
  }

  function route(req, res) {
    const url = typeof req.url === 'string' ? req.url : '/'
    const query = url.indexOf('?')
    const pathname = query === -1 ? url : url.slice(0, query)
    const segment = pathname.slice(pathname.lastIndexOf('/') + 1)
    const method = req.method
    const get = method === 'GET' || method === 'HEAD'

    if (segment === '' && get) {
      // Mounted by a framework that strips its prefix (Express: req.url '/'
      // for '/admin'): the page's relative URLs need the trailing slash.
      const original = typeof req.originalUrl === 'string' ? req.originalUrl : null
      if (original !== null && original !== url) {
        const q = original.indexOf('?')
        const originalPath = q === -1 ? original : original.slice(0, q)
        if (!originalPath.endsWith('/')) {
          res.writeHead(308, { ...SECURITY_HEADERS, Location: `${originalPath}/${q === -1 ? '' : original.slice(q)}` })
          return res.end()
        }
      }
    }
    const routes = {
      '': { GET: () => sendText(res, 200, 'text/html; charset=utf-8', page) },
      'app.js': { GET: () => sendText(res, 200, 'text/javascript; charset=utf-8', files.js) },
      'app.css': { GET: () => sendText(res, 200, 'text/css; charset=utf-8', files.css) },
      snapshot: { GET: () => sendText(res, 200, 'application/json; charset=utf-8', safeSnapshotJson()) },
      events: { GET: () => (method === 'HEAD' ? sendText(res, 200, 'text/event-stream; charset=utf-8', '') : openStream(req, res)) },
      metrics: { GET: () => metrics(res) },
      action: { POST: () => act(req, res) },
    }
    const handlers = Object.hasOwn(routes, segment) ? routes[segment] : null
    if (handlers === null) return sendJson(res, 404, { ok: false, error: { code: 'NOT_FOUND', message: 'Not found' } })
    const handler = handlers[get ? 'GET' : method]
    if (handler === undefined) {
      res.setHeader('Allow', Object.keys(handlers).map((m) => (m === 'GET' ? 'GET, HEAD' : m)).join(', '))
      return sendJson(res, 405, { ok: false, error: { code: 'METHOD_NOT_ALLOWED', message: `${method} is not allowed here` } })
    }
    return handler()
  }

  return function dashboardHandler(req, res) {
    // A request never throws into the server, nor rejects unhandled.
    try {
      Promise.resolve(route(req, res)).catch((error) => fail(res, error))
    } catch (error) {
      fail(res, error)
    }
  }
}

/** The last resort: a JSON error, without a stack. */
function fail(res, error) {
  try {
    if (!res.headersSent) sendJson(res, 500, { ok: false, error: { code: 'INTERNAL', message: describeError(error).message } })
    else res.end()
  } catch {
    // The connection is gone.
  }
}

function sendText(res, status, type, text) {
  const body = Buffer.from(text, 'utf8')
  res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': type, 'Content-Length': body.length })
  res.end(res.req?.method === 'HEAD' ? undefined : body)
}

function sendJson(res, status, value) {
  sendText(res, status, 'application/json; charset=utf-8', JSON.stringify(value))
}

/** The action's JSON body: what a framework parsed already, or read here (at most BODY_LIMIT bytes). */
function readBody(req) {
  const parsed = req.body
  // A parser that did not take this body (body-parser, for another content
  // type) leaves `{}` and the stream unread: then it is read here.
  const unread = isPlainObject(parsed) && Object.keys(parsed).length === 0 && !req.readableEnded
  if (parsed != null && !unread) {
    try {
      if (Buffer.isBuffer(parsed) || typeof parsed === 'string') return Promise.resolve(parseJson(parsed.toString()))
    } catch (error) {
      return Promise.reject(error)
    }
    return Promise.resolve(parsed)
  }
  return new Promise((resolve, reject) => {
    const chunks = []
    let size = 0
    const refuse = (message, status) => {
      const error = new Error(message)
      error.status = status
      reject(error)
    }
    req.on('data', (chunk) => {
      size += chunk.length
      if (size > BODY_LIMIT) {
        refuse(`The body is larger than ${BODY_LIMIT} bytes`, 413)
        req.removeAllListeners('data')
        req.resume()
        return
      }
      chunks.push(chunk)
    })
    req.on('end', () => {
      try {
        resolve(parseJson(Buffer.concat(chunks).toString('utf8')))
      } catch (error) {
        reject(error)
      }
    })
    req.on('error', (error) => refuse(error.message, 400))
  })
}

function parseJson(text) {
  try {
    return JSON.parse(text)
  } catch {
    throw new Error('The body is not valid JSON')
  }
}

module.exports = { dashboard }
