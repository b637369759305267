'use strict'

/**
 * A leader paused with SIGSTOP (a stalled VM, a debugger, a GC pause) loses
 * its lease: the others carry on within a bounded time, and when it resumes
 * it runs nothing another replica already ran (its commits are fenced).
 */
const { startRedis } = require('../cluster/redis')
const { sleep } = require('../helpers')
const { world, startReplica, killAll, stopReplica, effects, duplicateTicks, missingTicks, until } = require('./replicas')

let redis
beforeAll(async () => { redis = await startRedis() })
afterEach(killAll)
afterAll(async () => { await redis.stop() })

test('a paused leader is replaced within four heartbeats, and runs nothing twice when it resumes', async () => {
  const heartbeatMs = 200
  const config = { ...world(redis.url), heartbeatMs, jobs: { tick: { every: 100 }, slow: { every: 400, ms: 250 } } }
  const replicas = await Promise.all([0, 1, 2].map(() => startReplica(config)))
  const begun = Date.now()
  await sleep(1500)
  const { cluster } = await replicas[0].call('status')
  const leader = replicas.find((replica) => replica.id === cluster.leader)
  const others = replicas.filter((replica) => replica !== leader)
  leader.kill('SIGSTOP')
  const paused = Date.now()
  // The lease lasts three heartbeats; the next heartbeat of another takes it.
  const successor = await until(async () => {
    const status = await others[0].call('status')
    return status.cluster.leader !== leader.id && status.cluster.leader
  }, 5000, 'another leader')
  const replaced = Date.now() - paused
  expect(replaced).toBeLessThan(4 * heartbeatMs + 400)
  expect(others.map((replica) => replica.id)).toContain(successor)
  await sleep(1500)
  leader.kill('SIGCONT')
  await sleep(2000)
  // Back, it follows; it does not lead again behind the others' backs.
  const status = await leader.call('status')
  expect(status.cluster).toMatchObject({ leader: successor, leading: false })
  const to = Date.now() - 500
  const lines = effects(config.file)
  await Promise.all(replicas.map(stopReplica))

  expect(duplicateTicks(lines)).toEqual([])
  expect(missingTicks(lines, 'tick', 100, begun, to)).toEqual([])
  expect(missingTicks(lines, 'slow', 400, begun, to)).toEqual([])
  // Whatever the paused leader had started and finished after it resumed
  // was retried elsewhere as lost: a second attempt, never a second first one.
  for (const line of lines.filter((entry) => entry.attempt > 1)) expect(line.pid).not.toBe(leader.child.pid)
}, 60000)

test('a paused follower changes nothing', async () => {
  const config = { ...world(redis.url), jobs: { tick: { every: 100 } } }
  const replicas = await Promise.all([0, 1].map(() => startReplica(config)))
  const begun = Date.now()
  await sleep(800)
  const { cluster } = await replicas[0].call('status')
  const follower = replicas.find((replica) => replica.id !== cluster.leader)
  follower.kill('SIGSTOP')
  await sleep(1500)
  follower.kill('SIGCONT')
  await sleep(800)
  const status = await follower.call('status')
  expect(status.cluster.leader).toBe(cluster.leader)
  const to = Date.now() - 300
  const lines = effects(config.file)
  await Promise.all(replicas.map(stopReplica))
  expect(duplicateTicks(lines)).toEqual([])
  expect(missingTicks(lines, 'tick', 100, begun, to)).toEqual([])
  expect(new Set(lines.map((line) => line.pid)).size).toBe(1)
}, 30000)
