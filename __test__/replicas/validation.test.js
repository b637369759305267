'use strict'

/**
 * Bad input to an orchestrator shared by replicas: refused at once with
 * the usual errors; a Redis it cannot reach or log in to fails start() fast
 * with ClusterUnavailableError; orchestrators of one name on two databases
 * never meet.
 */
const path = require('node:path')
const { ParallelProcessor, Orchestrator, ClusterUnavailableError } = require('../..')
const { startRedis, freePort } = require('../cluster/redis')
const { fixture } = require('../helpers')
const { checkWithPromtool, sample } = require('../prometheus')

let redis
const pools = []
const orchestrators = []
beforeAll(async () => { redis = await startRedis() })
afterEach(async () => {
  for (const orchestrator of orchestrators.splice(0)) await orchestrator.stop({ timeoutMs: 0 })
  for (const pool of pools.splice(0)) await pool.dispose()
})
afterAll(async () => { await redis.stop() })

function pool() {
  const created = new ParallelProcessor({ workers: 1, filename: fixture('replica-jobs.js') })
  pools.push(created)
  return created
}

function orchestrator(cluster, options = {}) {
  const created = new Orchestrator(pool(), { ...options, cluster })
  orchestrators.push(created)
  return created
}

test('unknown or malformed options are refused, naming them', () => {
  const p = pool()
  const bad = (options) => () => new Orchestrator(p, options)
  expect(bad({ cluster: { redis: redis.url, name: 'n', heartbeatMS: 10 } })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE', message: expect.stringContaining('heartbeatMS') }))
  expect(bad({ cluster: { redis: redis.url } })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE', message: expect.stringContaining('cluster.name') }))
  expect(bad({ cluster: { redis: redis.url, name: 'a b' } })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }))
  expect(bad({ cluster: { name: 'n' } })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE', message: expect.stringContaining('cluster.redis') }))
  expect(bad({ cluster: { redis: 'http://x', name: 'n' } })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }))
  expect(bad({ cluster: { redis: redis.url, name: 'n', heartbeatMs: 1 } })).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }))
  expect(bad({ maxConcurrentJob: 2 })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE', message: expect.stringContaining('maxConcurrentJob') }))
  const shared = new Orchestrator(p, { cluster: { redis: redis.url, name: 'n' } })
  expect(shared).toBeInstanceOf(Orchestrator)
  expect(() => shared.register('job', { every: 100, catchUp: 'twice' })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE', message: expect.stringContaining('catchUp') }))
  expect(() => shared.register('job', { catchUp: 'skip' })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }))
})

test('a Redis that cannot be reached, or refuses the password, fails start() fast with ClusterUnavailableError', async () => {
  const port = await freePort()
  const nowhere = orchestrator({ redis: `redis://127.0.0.1:${port}`, name: 'n', connectTimeoutMs: 1000 })
  let begun = Date.now()
  const error = await nowhere.start().catch((e) => e)
  expect(error).toBeInstanceOf(ClusterUnavailableError)
  expect(error.code).toBe('ERR_CLUSTER_UNAVAILABLE')
  expect(Date.now() - begun).toBeLessThan(3000)
  expect(nowhere.status()).toMatchObject({ state: 'stopped', cluster: { connected: false } })
  const { host } = new URL(redis.url)
  const refused = orchestrator({ redis: `redis://:wrong-password@${host}`, name: 'n', connectTimeoutMs: 1000 })
  begun = Date.now()
  await expect(refused.start()).rejects.toBeInstanceOf(ClusterUnavailableError)
  expect(Date.now() - begun).toBeLessThan(3000)
  // A failed start leaves nothing behind: it can be started again.
  await expect(refused.start()).rejects.toBeInstanceOf(ClusterUnavailableError)
})

test('one name on two databases: two orchestrators that never see each other', async () => {
  const url = new URL(redis.url)
  const one = orchestrator({ redis: `redis://${url.host}/1`, name: 'same', heartbeatMs: 100 })
  const two = orchestrator({ redis: `redis://${url.host}/2`, name: 'same', heartbeatMs: 100 })
  for (const each of [one, two]) each.register('job', { run: () => 'ran', mode: 'triggered' })
  await Promise.all([one.start(), two.start()])
  const lead = (each) => new Promise((resolve) => {
    const check = () => (each.status().cluster.leading ? resolve() : setTimeout(check, 20))
    check()
  })
  await Promise.all([lead(one), lead(two)])
  expect(one.status().cluster).toMatchObject({ replicas: 1, leading: true })
  expect(two.status().cluster).toMatchObject({ replicas: 1, leading: true })
  await expect(one.trigger('job')).resolves.toBe('ran')
  expect(one.status().jobs.job.runs).toBe(1)
  expect(two.status().jobs.job.runs).toBe(0)
  // Their metrics say the same, under the orchestrator's name.
  const text = one.metrics()
  checkWithPromtool(text)
  expect(sample(text, 'parallel_processor_orchestrator_leading{orchestrator="same"}')).toBe(1)
  expect(sample(text, 'parallel_processor_orchestrator_replicas{orchestrator="same"}')).toBe(1)
  expect(sample(text, 'parallel_processor_orchestrator_connected{orchestrator="same"}')).toBe(1)
  expect(sample(text, 'parallel_processor_orchestrator_job_runs_total{orchestrator="same",job="job",outcome="success"}')).toBe(1)
  expect(sample(two.metrics(), 'parallel_processor_orchestrator_job_runs_total{orchestrator="same",job="job",outcome="success"}')).toBe(0)
})

test('the pool of a cluster gives its Redis to an orchestrator that names none', async () => {
  const clusterPool = new ParallelProcessor({ workers: 1, filename: path.join(__dirname, '..', 'fixtures', 'replica-jobs.js'), cluster: { redis: redis.url, queue: `q-${process.pid}` } })
  pools.push(clusterPool)
  const shared = new Orchestrator(clusterPool, { cluster: { name: `from-pool-${process.pid}` } })
  orchestrators.push(shared)
  shared.register('job', { run: () => 'ok', mode: 'triggered' })
  await shared.start()
  await expect(shared.trigger('job')).resolves.toBe('ok')
})

test('stop() during start(): the replica never leads, and both settle', async () => {
  const shared = orchestrator({ redis: redis.url, name: `stop-while-starting-${process.pid}`, heartbeatMs: 50 })
  shared.register('job', { every: 20, run: () => {} })
  const started = shared.start()
  const stopped = shared.stop()
  await expect(started).resolves.toBeUndefined()
  await expect(stopped).resolves.toBeUndefined()
  expect(shared.status()).toMatchObject({ state: 'stopped', cluster: { leading: false } })
  expect(shared.status().jobs.job.runs).toBe(0)
})
