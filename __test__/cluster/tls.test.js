'use strict'

/**
 * `rediss://`: a redis-server of our own speaking TLS only, with a
 * certificate signed by a test CA (fixtures/tls). The addon trusts the
 * system's certificates and SSL_CERT_FILE; pools run in processes of their
 * own, since jest gives each test file a copy of the environment.
 */
const path = require('node:path')
const { spawn, execFile } = require('node:child_process')
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
  const net = require('node:net')
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

/** Runs a pool in a process of its own (the trusted certificates are read from its environment). */
function runPool(workers, trusted) {
  const script = `
    const { ParallelProcessor } = require(${JSON.stringify(path.join(__dirname, '..', '..'))})
    const pool = new ParallelProcessor(${workers}, {
      ${workers > 0 ? `filename: ${JSON.stringify(TASKS)},` : ''}
      cluster: { redis: ${JSON.stringify(url)}, queue: ${JSON.stringify(queueName('tls'))}, connectTimeoutMs: 2000 },
    })
    pool.execute({ id: 7 }).then(
      (result) => ({ result }),
      (error) => ({ error: { name: error.name, message: error.message } }),
    ).then((outcome) => { console.log(JSON.stringify(outcome)); return pool.dispose() })
  `
  const env = { ...process.env, SSL_CERT_FILE: path.join(TLS, 'ca.pem') }
  if (!trusted) delete env.SSL_CERT_FILE
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['-e', script], { env, timeout: 20000 }, (error, out) => (error ? reject(error) : resolve(JSON.parse(out))))
  })
}

test('rediss:// with a trusted certificate carries tasks over TLS', async () => {
  expect(await runPool(1, true)).toEqual({ result: expect.objectContaining({ id: 7, delivery: 1 }) })
})

test('a server whose certificate is not trusted is refused with ClusterUnavailableError', async () => {
  const { error } = await runPool(0, false)
  expect(error.name).toBe('ClusterUnavailableError')
  expect(error.message).toMatch(/certificate/)
})
