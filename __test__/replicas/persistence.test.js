'use strict'

/**
 * The whole state lives in Redis: with an append-only file it survives
 * every replica and Redis itself restarting. A Redis outage makes runs
 * wait, never run twice, is reported, and ends by itself.
 */
const fs = require('node:fs')
const path = require('node:path')
const { startRestartableRedis } = require('../cluster/redis')
const { sleep } = require('../helpers')
const { world, startReplica, killAll, stopReplica, effects, duplicateTicks, missingTicks, until } = require('./replicas')

let redis
beforeEach(async () => { redis = await startRestartableRedis() })
afterEach(async () => {
  await killAll()
  await redis.dispose()
})

test('all replicas and Redis restarted: counts, disabled jobs, breakers and dead letters are as they were', async () => {
  const base = world(redis.url)
  const failWhile = path.join(path.dirname(base.file), 'fail')
  fs.writeFileSync(failWhile, '')
  const config = {
    ...base,
    jobs: {
      tick: { every: 100 },
      flaky: { mode: 'triggered', retries: 0, failWhile },
      fragile: { every: 150, retries: 0, failWhile, maxConsecutiveFailures: 2, breaker: { cooldownMs: 600000 } },
      off: { every: 100 },
    },
  }
  let replicas = await Promise.all([0, 1].map(() => startReplica(config)))
  await expect(replicas[0].call('trigger', 'flaky')).rejects.toMatchObject({ code: 'E_FLAKY' })
  await replicas[1].call('disable', 'off')
  await until(async () => (await replicas[1].call('status')).jobs.fragile.state === 'breakerOpen', 5000, 'the breaker open')
  await sleep(500)
  const before = await replicas[0].call('status')
  const lettersBefore = await replicas[0].call('deadLetters')
  for (const replica of replicas) replica.kill('SIGKILL')
  await Promise.all(replicas.map((replica) => replica.exited))
  await redis.stop()
  await redis.restart()

  replicas = await Promise.all([0, 1].map(() => startReplica(config)))
  const after = await until(async () => {
    const status = await replicas[1].call('status')
    return status.cluster.leader !== null && status.jobs.tick.runs > before.jobs.tick.runs && status
  }, 8000, 'the restarted replicas under way')
  expect(after.jobs.off).toMatchObject({ enabled: false, state: 'disabled', runs: before.jobs.off.runs })
  expect(after.jobs.fragile).toMatchObject({ state: 'breakerOpen', failures: before.jobs.fragile.failures, consecutiveFailures: before.jobs.fragile.consecutiveFailures })
  expect(after.jobs.flaky).toMatchObject({ runs: 1, failures: 1, lastError: 'switched to fail' })
  expect(after.jobs.tick.successes).toBeGreaterThan(before.jobs.tick.successes)
  expect(after.deadLetters).toBe(lettersBefore.length)
  const lettersAfter = await replicas[1].call('deadLetters')
  expect(lettersAfter.map(({ id, job, runId, error }) => ({ id, job, runId, error }))).toEqual(lettersBefore.map(({ id, job, runId, error }) => ({ id, job, runId, error })))
  // The payload of a letter came through too: it can be retried.
  fs.rmSync(failWhile)
  const flakyLetter = lettersAfter.find((letter) => letter.job === 'flaky')
  await expect(replicas[0].call('retryDeadLetter', flakyLetter.id)).resolves.toMatchObject({ job: 'flaky' })
  await Promise.all(replicas.map(stopReplica))
}, 60000)

test('a Redis outage: runs wait and none runs twice, clusterDown and clusterUp are said, and ticks resume by themselves', async () => {
  const config = { ...world(redis.url), jobs: { tick: { every: 100 } } }
  const replicas = await Promise.all([0, 1].map(() => startReplica(config)))
  const begun = Date.now()
  await sleep(800)
  await redis.stop()
  const down = Date.now()
  await until(async () => (await replicas[0].call('status')).cluster.connected === false, 5000, 'the outage seen')
  await sleep(1000)
  const during = effects(config.file).filter((line) => line.startedAt > down + 200)
  await redis.restart()
  const up = Date.now()
  await until(() => replicas.every((replica) => replica.events.some((event) => event.event === 'clusterUp')), 10000, 'clusterUp on every replica')
  await sleep(1500)
  const to = Date.now() - 500
  const lines = effects(config.file)
  await Promise.all(replicas.map(stopReplica))

  expect(during).toEqual([])
  for (const replica of replicas) expect(replica.events.some((event) => event.event === 'clusterDown')).toBe(true)
  expect(duplicateTicks(lines)).toEqual([])
  // The ticks of the outage ran once it ended (replicas were alive all along).
  expect(missingTicks(lines, 'tick', 100, begun, to)).toEqual([])
  expect(lines.filter((line) => line.startedAt > up).length).toBeGreaterThan(10)
}, 60000)
