'use strict'

/**
 * trigger(), enable(), disable(), retryDeadLetter() and clearDeadLetters()
 * act once, cluster-wide, from any replica; status() and deadLetters() give
 * every replica the same answer (at most a heartbeat later).
 */
const fs = require('node:fs')
const path = require('node:path')
const { startRedis } = require('../cluster/redis')
const { sleep } = require('../helpers')
const { world, startReplica, killAll, stopReplica, effects, until } = require('./replicas')

let redis
beforeAll(async () => { redis = await startRedis() })
afterEach(killAll)
afterAll(async () => { await redis.stop() })

test('trigger() of a busy job from every replica at once: one run, the other callers get JobBusyError', async () => {
  const config = { ...world(redis.url), jobs: { batch: { mode: 'triggered', ms: 500 } } }
  const replicas = await Promise.all([0, 1, 2].map(() => startReplica(config)))
  const outcomes = await Promise.allSettled(replicas.map((replica) => replica.call('trigger', 'batch')))
  const lines = effects(config.file)
  await Promise.all(replicas.map(stopReplica))

  expect(lines.filter((line) => line.job === 'batch')).toHaveLength(1)
  const fulfilled = outcomes.filter((outcome) => outcome.status === 'fulfilled')
  const rejected = outcomes.filter((outcome) => outcome.status === 'rejected')
  expect(fulfilled).toHaveLength(1)
  expect(fulfilled[0].value).toMatchObject({ job: 'batch', runId: lines[0].runId, trigger: 'manual' })
  for (const { reason } of rejected) expect(reason).toMatchObject({ name: 'JobBusyError', code: 'ERR_JOB_BUSY' })
}, 30000)

test('a dead letter filed on one replica is seen and retried from another; disable() on one stops the job on all', async () => {
  const base = world(redis.url)
  const failWhile = path.join(path.dirname(base.file), 'fail')
  fs.writeFileSync(failWhile, '')
  const config = { ...base, jobs: { flaky: { mode: 'triggered', retries: 0, failWhile }, tick: { every: 100 } } }
  const [first, second, third] = await Promise.all([0, 1, 2].map(() => startReplica(config)))

  await expect(first.call('trigger', 'flaky')).rejects.toMatchObject({ message: 'switched to fail', code: 'E_FLAKY' })
  const [letter] = await until(async () => {
    const letters = await second.call('deadLetters')
    return letters.length === 1 && letters
  }, 5000, 'the dead letter on another replica')
  expect(letter).toMatchObject({ job: 'flaky', attempts: 1, error: 'switched to fail' })
  expect(letter.payload).toMatchObject({ file: base.file, failWhile })
  fs.rmSync(failWhile)
  await expect(second.call('retryDeadLetter', letter.id)).resolves.toMatchObject({ job: 'flaky', trigger: 'manual' })
  await until(async () => (await third.call('deadLetters')).length === 0, 5000, 'the letter gone everywhere')
  expect((await second.call('status')).jobs.flaky).toMatchObject({ runs: 2, successes: 1, failures: 1 })

  await sleep(1000)
  await third.call('disable', 'tick')
  // Every replica says so at once or within a heartbeat; no tick runs after.
  for (const replica of [first, second, third]) {
    await until(async () => (await replica.call('status')).jobs.tick.enabled === false, 2000, 'the job disabled everywhere')
  }
  const disabledAt = Date.now()
  await sleep(800)
  const lines = effects(config.file)
  await Promise.all([first, second, third].map(stopReplica))
  expect(lines.filter((line) => line.job === 'tick' && line.startedAt > disabledAt)).toEqual([])
  expect(lines.filter((line) => line.job === 'tick').length).toBeGreaterThan(5)
}, 40000)

test('commands of a replica whose leader dies are applied by the next one', async () => {
  const config = { ...world(redis.url), jobs: { job: { mode: 'triggered', ms: 50 } } }
  const replicas = await Promise.all([0, 1].map(() => startReplica(config)))
  const { cluster } = await replicas[0].call('status')
  const leader = replicas.find((replica) => replica.id === cluster.leader)
  const follower = replicas.find((replica) => replica !== leader)
  leader.kill('SIGSTOP')
  // Sent while nobody can apply it: it waits in Redis for the next leader.
  const triggered = follower.call('trigger', 'job')
  leader.kill('SIGKILL')
  await expect(triggered).resolves.toMatchObject({ job: 'job', trigger: 'manual' })
  await stopReplica(follower)
  expect(effects(config.file).filter((line) => line.job === 'job')).toHaveLength(1)
}, 30000)
