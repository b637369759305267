'use strict'

/**
 * Three replicas, one of them SIGKILLed and replaced every few seconds (the
 * leader, mostly): every tick of every job runs once, dependencies and
 * exclusions hold across replicas, and at most `maxConcurrentJobs` run at
 * once. Side effects are counted by (job, tick) from what the runs wrote.
 */
const { startRedis } = require('../cluster/redis')
const { sleep } = require('../helpers')
const { world, startReplica, killAll, stopReplica, effects, duplicateTicks, missingTicks } = require('./replicas')

let redis
beforeAll(async () => { redis = await startRedis() })
afterEach(killAll)
afterAll(async () => { await redis.stop() })

const JOBS = {
  tick: { every: 200 },
  second: { cron: '* * * * * *' },
  fetch: { every: 500 },
  process: { dependsOn: ['fetch'] },
  left: { every: 300, blocks: ['right'], ms: 60 },
  right: { every: 300, ms: 60 },
}

/** Intervals [startedAt, endedAt) of `job`'s runs. */
const intervals = (lines, job) => lines.filter((line) => line.job === job).map((line) => [line.startedAt, line.endedAt])
const overlap = ([a, b], [c, d]) => a < d && c < b

test('30 s of replicas killed and replaced: no tick twice, none missed, dependsOn, blocks and maxConcurrentJobs hold', async () => {
  const config = { ...world(redis.url), maxConcurrentJobs: 2, jobs: JOBS }
  let replicas = await Promise.all([0, 1, 2].map(() => startReplica(config)))
  const begun = Date.now()
  let kills = 0
  let leadersKilled = 0
  while (Date.now() - begun < 30000) {
    await sleep(2000 + Math.random() * 2000)
    const { cluster } = await replicas[0].call('status')
    // Two kills in three take the leader, the other a follower.
    const victim = kills % 3 !== 2 ? replicas.find((replica) => replica.id === cluster.leader) ?? replicas[0] : replicas.find((replica) => replica.id !== cluster.leader)
    if (victim.id === cluster.leader) leadersKilled++
    victim.kill('SIGKILL')
    await victim.exited
    kills++
    replicas = [...replicas.filter((replica) => replica !== victim), await startReplica(config)]
  }
  // Settled: the ticks up to a second ago have all run by now.
  await sleep(1500)
  const until = Date.now() - 1000
  const lines = effects(config.file)
  await Promise.all(replicas.map(stopReplica))

  expect(kills).toBeGreaterThanOrEqual(7)
  expect(leadersKilled).toBeGreaterThanOrEqual(4)
  expect(duplicateTicks(lines)).toEqual([])
  for (const [job, period] of [['tick', 200], ['second', 1000], ['fetch', 500], ['left', 300], ['right', 300]]) {
    expect({ job, missing: missingTicks(lines, job, period, begun, until) }).toEqual({ job, missing: [] })
  }
  expect(lines.filter((line) => line.job === 'tick').length).toBeGreaterThan(140)

  // blocks: left and right never ran at the same time, on any replica.
  for (const left of intervals(lines, 'left')) {
    for (const right of intervals(lines, 'right')) expect(overlap(left, right)).toBe(false)
  }
  // dependsOn: each run of process came after a success of fetch that no
  // earlier run of process had used, and never beside a run of fetch.
  const fetches = intervals(lines, 'fetch').sort((a, b) => a[1] - b[1])
  // A run retried after its replica died (attempt 2) is the same run: its
  // first attempt may have left its effect too (runs are at least once).
  const firstOfEachRun = new Map()
  for (const line of lines.filter((entry) => entry.job === 'process')) {
    const kept = firstOfEachRun.get(line.runId)
    if (kept === undefined || line.startedAt < kept.startedAt) firstOfEachRun.set(line.runId, line)
  }
  const processes = [...firstOfEachRun.values()].map((line) => [line.startedAt, line.endedAt]).sort((a, b) => a[0] - b[0])
  expect(processes.length).toBeGreaterThan(30)
  let used = 0
  for (const run of processes) {
    const before = fetches.filter(([, end]) => end <= run[0]).length
    expect(before).toBeGreaterThan(used)
    used = before
    for (const fetch of fetches) expect(overlap(run, fetch)).toBe(false)
  }
  // maxConcurrentJobs: never more than two runs at once.
  const edges = lines.flatMap((line) => [[line.startedAt, 1], [line.endedAt, -1]]).sort((a, b) => a[0] - b[0] || a[1] - b[1])
  let running = 0
  let most = 0
  for (const [, step] of edges) most = Math.max(most, (running += step))
  expect(most).toBeLessThanOrEqual(2)
}, 90000)
