'use strict'

/**
 * `rediss://`: a redis-server of our own speaking TLS only, with a
 * certificate signed by a test CA (fixtures/tls). A pool trusts the Mozilla
 * roots built into the addon, SSL_CERT_FILE and SSL_CERT_DIR, or only its
 * `ca` option when it has one. The tests of the environment run their pools
 * in processes of their own, started with that environment.
 */
const fs = require('node:fs')
const net = require('node:net')
const tls = require('node:tls')
const path = require('node:path')
const { spawn, execFile } = require('node:child_process')
const { ParallelProcessor } = require('../..')
const { freePort, queueName } = require('./redis')
const { sleep } = require('../helpers')

const TLS = path.join(__dirname, '..', 'fixtures', 'tls')
const TASKS = path.join(__dirname, '..', 'fixtures', 'cluster-tasks.js')

let server
let url
beforeAll(async () => {
  const port = await freePort()
  server = spawn('redis-server', [
    '--port', '0', '--tls-port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no',
    '--tls-cert-file', path.join(TLS, 'server.pem'), '--tls-key-file', path.join(TLS, 'server.key'),
    '--tls-ca-cert-file', path.join(TLS, 'ca.pem'), '--tls-auth-clients', 'no',
  ], { stdio: 'ignore' })
  url = `rediss://localhost:${port}`
  // Ready once it accepts a connection.
  for (let tries = 0; ; tries++) {
    const up = await new Promise((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => { socket.destroy(); resolve(true) })
      socket.on('error', () => resolve(false))
    })
    if (up) break
    if (tries > 200) throw new Error('redis-server with TLS did not start (is it built with TLS?)')
    await sleep(25)
  }
})
afterAll(() => new Promise((resolve) => {
  server.once('exit', resolve)
  server.kill()
}))

const CA = fs.readFileSync(path.join(TLS, 'ca.pem'))
/** A certificate that is not the server's issuer: trusting only it trusts nothing here. */
const NOT_THE_ISSUER = fs.readFileSync(path.join(TLS, 'server.pem'), 'utf8')

/** The environment of a child, without the variables that choose the trusted certificates. */
function environment(extra) {
  const env = { ...process.env, ...extra }
  for (const name of ['SSL_CERT_FILE', 'SSL_CERT_DIR']) if (!(name in extra)) delete env[name]
  return env
}

/**
 * Runs one task through a pool in a process of its own, started with `env`
 * (the trusted certificates are read from its environment); `ca`: the
 * pool's option. Returns `{ result }` or `{ error }`.
 */
function runPool(workers, env, ca) {
  const script = `
    const { ParallelProcessor } = require(${JSON.stringify(path.join(__dirname, '..', '..'))})
    const pool = new ParallelProcessor(${workers}, {
      ${workers > 0 ? `filename: ${JSON.stringify(TASKS)},` : ''}
      cluster: {
        redis: ${JSON.stringify(url)}, queue: ${JSON.stringify(queueName('tls'))}, connectTimeoutMs: 2000,
        ${ca === undefined ? '' : `ca: ${JSON.stringify(ca)},`}
      },
    })
    pool.execute({ id: 7 }).then(
      (result) => ({ result }),
      (error) => ({ error: { name: error.name, message: error.message } }),
    ).then((outcome) => { console.log(JSON.stringify(outcome)); return pool.dispose() })
  `
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['-e', script], { env, timeout: 20000 }, (error, out) => (error ? reject(error) : resolve(JSON.parse(out))))
  })
}

const ran = { result: expect.objectContaining({ id: 7, delivery: 1 }) }

test('SSL_CERT_FILE: rediss:// with a certificate of its CA carries tasks over TLS', async () => {
  expect(await runPool(1, environment({ SSL_CERT_FILE: path.join(TLS, 'ca.pem') }))).toEqual(ran)
})

test('SSL_CERT_DIR: each directory of the list is read, and what is not a certificate skipped', async () => {
  // The fixtures' folder also holds a private key and a README.
  const dirs = [path.join(TLS, 'missing'), TLS].join(path.delimiter)
  expect(await runPool(1, environment({ SSL_CERT_DIR: dirs }))).toEqual(ran)
})

test('a server whose certificate is not trusted is refused with ClusterUnavailableError', async () => {
  const { error } = await runPool(0, environment({}))
  expect(error.name).toBe('ClusterUnavailableError')
  expect(error.message).toMatch(/certificate/)
})

test('the ca option replaces the default roots, SSL_CERT_FILE included, as in Node\'s tls', async () => {
  const { error } = await runPool(0, environment({ SSL_CERT_FILE: path.join(TLS, 'ca.pem') }), [NOT_THE_ISSUER])
  expect(error.name).toBe('ClusterUnavailableError')
  expect(error.message).toMatch(/certificate/)
})

/** Closes every connection the TLS server has, as a restart of the network would. */
async function killClients() {
  const socket = tls.connect({ host: '127.0.0.1', port: new URL(url).port, ca: CA, servername: 'localhost' })
  await new Promise((resolve, reject) => socket.once('secureConnect', resolve).once('error', reject))
  const args = ['CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes']
  socket.write(`*${args.length}\r\n${args.map((arg) => `$${arg.length}\r\n${arg}\r\n`).join('')}`)
  const reply = await new Promise((resolve) => socket.once('data', (data) => resolve(data.toString())))
  socket.destroy()
  return Number(/^:(\d+)/.exec(reply)?.[1])
}

describe('the ca option, in this process', () => {
  let queue
  beforeEach(() => {
    queue = queueName('tls-ca')
  })
  const cluster = (extra) => ({ redis: url, queue, connectTimeoutMs: 2000, heartbeatMs: 100, ...extra })

  test('a private CA given as a Buffer (or PEM text, or a list) is trusted; connections lost are made again', async () => {
    const pool = new ParallelProcessor(1, { filename: TASKS, cluster: cluster({ ca: CA }) })
    const submitter = new ParallelProcessor(0, { cluster: cluster({ ca: [NOT_THE_ISSUER, CA.toString()] }) })
    try {
      expect(await submitter.execute({ id: 1 })).toEqual(expect.objectContaining({ id: 1, delivery: 1 }))
      expect(await pool.execute({ id: 2 })).toEqual(expect.objectContaining({ id: 2, delivery: 1 }))
      // Two nodes, each with a command connection and two blocking readers.
      expect(await killClients()).toBeGreaterThanOrEqual(4)
      // The heartbeat that meets the closed connection fails; the next opens a new one.
      await sleep(500)
      expect(await submitter.execute({ id: 3 })).toEqual(expect.objectContaining({ id: 3, delivery: 1 }))
    } finally {
      await submitter.dispose()
      await pool.dispose()
    }
  })

  test.each([
    ['an empty list', [], /holds no PEM certificate/],
    ['a private key', fs.readFileSync(path.join(TLS, 'server.key')), /"cluster\.ca" option holds no PEM certificate/],
    ['a damaged certificate, second in the list', [CA, CA.toString().replace(/MI/g, 'M!')], /"cluster\.ca\[1\]" option's certificate 1 cannot be read/],
  ])('a ca with %s is refused at construction (TypeError ERR_INVALID_ARG_VALUE)', async (_, ca, message) => {
    const pool = new ParallelProcessor(0, { cluster: cluster({ ca: CA }) })
    try {
      let thrown
      try {
        new ParallelProcessor(0, { cluster: cluster({ ca }) })
      } catch (error) {
        thrown = error
      }
      expect(thrown).toBeInstanceOf(TypeError)
      expect(thrown.code).toBe('ERR_INVALID_ARG_VALUE')
      expect(thrown.message).toMatch(message)
      // Nothing else is affected: the pool made before still serves.
      const served = new ParallelProcessor(1, { filename: TASKS, cluster: cluster({ ca: CA }) })
      try {
        expect(await pool.execute({ id: 4 })).toEqual(expect.objectContaining({ id: 4 }))
      } finally {
        await served.dispose()
      }
    } finally {
      await pool.dispose()
    }
  })

  test('a ca of the wrong type is a TypeError ERR_INVALID_ARG_TYPE', () => {
    expect(() => new ParallelProcessor(0, { cluster: cluster({ ca: 42 }) })).toThrow(expect.objectContaining({ name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' }))
    expect(() => new ParallelProcessor(0, { cluster: cluster({ ca: [CA, { pem: 'x' }] }) })).toThrow(/"cluster\.ca\[1\]" option must be a PEM string or Buffer/)
  })

  test('rediss:// with a fragment (#insecure) is refused: certificates are always verified', () => {
    expect(() => new ParallelProcessor(0, { cluster: cluster({ redis: `${url}#insecure` }) })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }))
  })
})
