'use strict'

/**
 * A rolling deploy: replicas replaced one by one by ones that register the
 * same job with a new `every`. The most recently started definition wins;
 * during the change no tick runs twice and no gap is longer than the old
 * period; afterwards the job runs on the new one, and 'definitionChange'
 * says so.
 */
const { startRedis } = require('../cluster/redis')
const { sleep } = require('../helpers')
const { world, startReplica, killAll, stopReplica, effects, duplicateTicks } = require('./replicas')

let redis
beforeAll(async () => { redis = await startRedis() })
afterEach(killAll)
afterAll(async () => { await redis.stop() })

test('every: 500 -> 300 across three replicas: no tick twice, no gap beyond a period, the new period after', async () => {
  const base = world(redis.url)
  const before = { ...base, jobs: { job: { every: 500 } } }
  const after = { ...base, jobs: { job: { every: 300 } } }
  const replicas = await Promise.all([0, 1, 2].map(() => startReplica(before)))
  const all = [...replicas]
  await sleep(2000)
  const started = []
  for (let i = 0; i < replicas.length; i++) {
    await stopReplica(replicas[i])
    replicas[i] = await startReplica(after)
    all.push(replicas[i])
    started.push(Date.now())
    await sleep(800)
  }
  await sleep(2000)
  const lines = effects(base.file)
  await Promise.all(replicas.map(stopReplica))

  expect(duplicateTicks(lines)).toEqual([])
  const ticks = [...new Set(lines.map((line) => line.scheduledAt))].sort((a, b) => a - b)
  const gaps = ticks.slice(1).map((tick, i) => tick - ticks[i])
  expect(Math.max(...gaps)).toBeLessThanOrEqual(500)
  // Once the first new replica started, the new definition is everyone's.
  const settled = ticks.filter((tick) => tick > started[0] + 1000)
  expect(settled.length).toBeGreaterThan(10)
  expect(settled.slice(1).map((tick, i) => tick - settled[i])).toEqual(settled.slice(1).map(() => 300))
  // The old replicas still running heard of the change; the new ones had nothing to hear.
  const changes = all.flatMap((replica) => replica.events).filter((event) => event.event === 'definitionChange')
  expect(changes.length).toBeGreaterThanOrEqual(2)
  for (const change of changes) expect(change.detail).toMatchObject({ job: 'job', from: { everyMs: 500 }, to: { everyMs: 300 } })
}, 60000)
