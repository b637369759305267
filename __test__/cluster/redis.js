'use strict'

/**
 * A Redis for the cluster tests: `REDIS_URL` when set; else a `redis-server`
 * of our own (a free port, no persistence unless asked) when the binary is
 * on the PATH; else the usual local one. Also a minimal RESP client, to
 * look at and poke the queue's keys the way another program would.
 */
const net = require('node:net')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { spawn, execFileSync } = require('node:child_process')
const { sleep } = require('../helpers')

function hasRedisServer() {
  try {
    execFileSync('redis-server', ['--version'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
    server.on('error', reject)
  })
}

/** A redis-server of our own on `port`; `dir` set: append-only file there, fsync'd on every write. */
async function spawnRedis(port, dir) {
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--maxmemory-policy', 'noeviction']
  if (dir) args.push('--dir', dir, '--appendonly', 'yes', '--appendfsync', 'always')
  else args.push('--appendonly', 'no')
  const child = spawn('redis-server', args, { stdio: 'ignore' })
  const url = `redis://127.0.0.1:${port}`
  const start = Date.now()
  for (;;) {
    try {
      if ((await command(url, 'PING')) === 'PONG') break
    } catch (error) {
      if (Date.now() - start > 10000) throw new Error(`redis-server on port ${port} did not start: ${error.message}`, { cause: error })
      await sleep(50)
    }
  }
  return { url, child, port }
}

/** `{ url, stop() }`; `own` is true when the server is ours to stop. */
async function startRedis() {
  if (process.env.REDIS_URL) return { url: process.env.REDIS_URL, own: false, stop: async () => {} }
  if (!hasRedisServer()) return { url: 'redis://127.0.0.1:6379', own: false, stop: async () => {} }
  const server = await spawnRedis(await freePort())
  return { url: server.url, own: true, stop: () => stopChild(server.child) }
}

/**
 * A server of our own with an append-only file, to stop and start again on
 * the same port: tasks accepted before a restart must survive it.
 */
async function startRestartableRedis() {
  if (!hasRedisServer()) throw new Error('The Redis outage test needs redis-server on the PATH (Debian: apt-get install redis-server)')
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pp-redis-'))
  const port = await freePort()
  let server = await spawnRedis(port, dir)
  return {
    url: server.url,
    async stop() {
      await stopChild(server.child)
    },
    /** `{ wipe: true }`: as a Redis without persistence comes back, empty. */
    async restart({ wipe = false } = {}) {
      if (wipe) {
        for (const file of fs.readdirSync(dir)) fs.rmSync(path.join(dir, file), { recursive: true, force: true })
      }
      server = await spawnRedis(port, dir)
    },
    async dispose() {
      await stopChild(server.child)
      fs.rmSync(dir, { recursive: true, force: true })
    },
  }
}

function stopChild(child) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    child.once('exit', resolve)
    child.kill('SIGTERM')
  })
}

/** Sends one command and reads one reply: strings, numbers, arrays, null; errors reject. */
function command(url, ...args) {
  const { hostname, port, password, username } = new URL(url)
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port) || 6379, hostname || '127.0.0.1')
    socket.setTimeout(5000, () => socket.destroy(new Error('no reply from Redis')))
    let buffer = Buffer.alloc(0)
    const commands = []
    if (password) commands.push(username ? ['AUTH', decodeURIComponent(username), decodeURIComponent(password)] : ['AUTH', decodeURIComponent(password)])
    commands.push(args)
    let replies = 0
    socket.on('error', reject)
    socket.on('connect', () => socket.write(commands.map(encode).join('')))
    socket.on('data', (chunk) => {
      buffer = Buffer.concat([buffer, chunk])
      for (;;) {
        const parsed = parse(buffer, 0)
        if (parsed === null) return
        buffer = buffer.subarray(parsed.end)
        replies++
        if (replies < commands.length) {
          if (parsed.value instanceof Error) return reject(parsed.value)
          continue
        }
        socket.end()
        return parsed.value instanceof Error ? reject(parsed.value) : resolve(parsed.value)
      }
    })
  })
}

function encode(args) {
  return `*${args.length}\r\n` + args.map((arg) => {
    const text = String(arg)
    return `$${Buffer.byteLength(text)}\r\n${text}\r\n`
  }).join('')
}

function parse(buffer, at) {
  const lineEnd = buffer.indexOf('\r\n', at)
  if (lineEnd === -1) return null
  const line = buffer.toString('utf8', at + 1, lineEnd)
  const next = lineEnd + 2
  switch (String.fromCharCode(buffer[at])) {
    case '+': return { value: line, end: next }
    case '-': return { value: new Error(line), end: next }
    case ':': return { value: Number(line), end: next }
    case '$': {
      const length = Number(line)
      if (length < 0) return { value: null, end: next }
      if (buffer.length < next + length + 2) return null
      return { value: buffer.toString('utf8', next, next + length), end: next + length + 2 }
    }
    case '*': {
      const count = Number(line)
      if (count < 0) return { value: null, end: next }
      const items = []
      let end = next
      for (let i = 0; i < count; i++) {
        const item = parse(buffer, end)
        if (item === null) return null
        items.push(item.value)
        end = item.end
      }
      return { value: items, end }
    }
    default: throw new Error(`unexpected RESP byte ${buffer[at]}`)
  }
}

let counter = 0
/** A queue of one's own. */
function queueName(what) {
  return `test-${what}-${process.pid}-${Date.now()}-${counter++}`
}

/** The keys of a queue (as src/cluster/keys.rs names them). */
function keysOf(queue) {
  const tag = `{pp:${queue}}`
  return { tasks: `${tag}:tasks`, dead: `${tag}:dead`, owners: `${tag}:owners`, lanes: `${tag}:lanes`, epoch: `${tag}:epoch`, results: (node) => `${tag}:results:${node}`, lane: (priority) => (priority === 0 ? `${tag}:tasks` : `${tag}:tasks:${priority}`) }
}

/**
 * How many tasks were ever added to a queue's lane of priority 0 (acknowledged
 * ones included: Redis 7 counts them in XINFO STREAM's entries-added).
 */
async function tasksAdded(url, queue) {
  try {
    const info = await command(url, 'XINFO', 'STREAM', keysOf(queue).tasks)
    return info[info.indexOf('entries-added') + 1]
  } catch (error) {
    if (/no such key/i.test(error.message)) return 0
    throw error
  }
}

/** The entries of a queue's lane of priority 0 that a node holds: `{ entry, node, idleMs, deliveries }`. */
async function pendingTasks(url, queue) {
  let rows
  try {
    rows = await command(url, 'XPENDING', keysOf(queue).tasks, 'workers', '-', '+', '1000')
  } catch (error) {
    // No node has read the queue yet.
    if (/NOGROUP|no such key/i.test(error.message)) return []
    throw error
  }
  return rows.map(([entry, node, idleMs, deliveries]) => ({ entry, node, idleMs, deliveries }))
}

/** Deletes a queue's keys on a shared Redis. */
async function dropQueue(url, queue) {
  const keys = await command(url, 'KEYS', `{pp:${queue}}*`)
  if (keys.length > 0) await command(url, 'DEL', ...keys)
}

module.exports = { startRedis, startRestartableRedis, command, queueName, keysOf, tasksAdded, pendingTasks, dropQueue, freePort }
