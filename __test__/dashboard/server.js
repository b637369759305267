'use strict'

/**
 * Real HTTP around the dashboard's handler for its tests: a node:http server
 * on port 0, mounted as a plain server would (the prefix stays in req.url)
 * or as Express does (the prefix stripped from req.url, kept in
 * req.originalUrl), and a small client for requests and event streams.
 */
const http = require('node:http')

/**
 * Serves `handler` under `prefix`. `mount`: 'plain' (req.url keeps the
 * prefix) or 'stripped' (Express's app.use(prefix, handler)).
 * `before(req)`: a hook run before the handler (a framework's body parser).
 */
async function serve(handler, { prefix = '/admin', mount = 'plain', before = null, port = 0 } = {}) {
  const sockets = new Set()
  const server = http.createServer((req, res) => {
    if (before !== null) before(req)
    if (mount === 'stripped') {
      if (req.url !== prefix && !req.url.startsWith(`${prefix}/`) && !req.url.startsWith(`${prefix}?`)) {
        res.statusCode = 404
        return res.end('outside the mount')
      }
      req.originalUrl = req.url
      const rest = req.url.slice(prefix.length)
      req.url = rest.startsWith('/') ? rest : `/${rest}`
    }
    handler(req, res)
  })
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve))
  const base = `http://127.0.0.1:${server.address().port}`
  return {
    server,
    port: server.address().port,
    base,
    url: (path = '') => `${base}${prefix}/${path}`,
    /** Closes the server and cuts every connection (event streams included). */
    close: () => new Promise((resolve) => {
      server.close(() => resolve())
      for (const socket of sockets) socket.destroy()
    }),
  }
}

/** A request: resolves with { status, headers, text, json }. */
function request(url, { method = 'GET', headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers }, (res) => {
      const chunks = []
      res.on('data', (chunk) => chunks.push(chunk))
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8')
        let json
        try {
          json = JSON.parse(text)
        } catch {
          json = undefined
        }
        resolve({ status: res.statusCode, headers: res.headers, text, json })
      })
    })
    req.on('error', reject)
    if (body !== undefined) req.write(typeof body === 'string' ? body : JSON.stringify(body))
    req.end()
  })
}

/**
 * Opens an event stream; `next(event)` resolves with the next event of that
 * name ({ event, data, retry }), `close()` ends the connection.
 */
function openStream(url) {
  return new Promise((resolve, reject) => {
    const events = []
    const waiting = []
    let buffer = ''
    let retry = null
    const comments = []
    const req = http.get(url, (res) => {
      res.setEncoding('utf8')
      res.on('data', (chunk) => {
        buffer += chunk
        let end
        while ((end = buffer.indexOf('\n\n')) !== -1) {
          const block = buffer.slice(0, end)
          buffer = buffer.slice(end + 2)
          const message = { event: 'message', data: '' }
          let hasData = false
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) comments.push(line)
            else if (line.startsWith('retry: ')) retry = Number(line.slice(7))
            else if (line.startsWith('event: ')) message.event = line.slice(7)
            else if (line.startsWith('data: ')) {
              message.data += line.slice(6)
              hasData = true
            }
          }
          if (hasData) {
            message.json = JSON.parse(message.data)
            events.push(message)
            for (const waiter of waiting.splice(0)) waiter()
          }
        }
      })
      resolve({
        status: res.statusCode,
        headers: res.headers,
        get retry() { return retry },
        comments,
        events,
        /** Resolves once `count` events have arrived in all. */
        until: (count) => new Promise((done) => {
          const check = () => (events.length >= count ? done(events[count - 1]) : waiting.push(check))
          check()
        }),
        close: () => req.destroy(),
      })
    })
    req.on('error', (error) => {
      if (error.code !== 'ECONNRESET') reject(error)
    })
  })
}

module.exports = { serve, request, openStream }
