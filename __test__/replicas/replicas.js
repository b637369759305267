'use strict'

/**
 * Replicas as real processes (fixtures/orchestrator-replica.js), each with
 * its own pool and `Orchestrator` sharing one Redis and name, driven over
 * IPC; and the side effects their runs leave in a shared file.
 */
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { fork } = require('node:child_process')
const { randomUUID } = require('node:crypto')
const { fixture, sleep } = require('../helpers')

const REPLICA = fixture('orchestrator-replica.js')

const live = new Set()

/** A fresh orchestrator: a unique name, and the file its runs append to. */
function world(redis, extra = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pp-replicas-'))
  return { redis, name: `replicas-${randomUUID()}`, file: path.join(dir, 'effects.jsonl'), heartbeatMs: 200, ...extra }
}

/**
 * Starts a replica of `config` ({ redis, name, file, heartbeatMs, jobs,
 * maxConcurrentJobs }); resolves once started (or rejects with the start
 * error). `replica.call(op, ...args)` asks it over IPC.
 */
function startReplica(config) {
  const child = fork(REPLICA, [JSON.stringify(config)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  live.add(child)
  const pending = new Map()
  const events = []
  let next = 0
  const replica = {
    child,
    events,
    id: null,
    call(op, ...args) {
      const id = ++next
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject })
        child.send({ id, op, args })
      })
    },
    kill(signal = 'SIGKILL') {
      child.kill(signal)
    },
    exited: new Promise((resolve) => child.once('exit', (code, signal) => {
      live.delete(child)
      for (const { reject } of pending.values()) reject(new Error(`replica exited (${code ?? signal})`))
      resolve({ code, signal })
    })),
  }
  const started = new Promise((resolve, reject) => {
    child.on('message', (message) => {
      if (message.id !== undefined) {
        const waiting = pending.get(message.id)
        pending.delete(message.id)
        if (message.ok) waiting?.resolve(message.value)
        else waiting?.reject(Object.assign(new Error(message.error.message), message.error))
        return
      }
      events.push({ at: Date.now(), ...message })
      if (message.event === 'started') {
        replica.id = message.detail.replica
        resolve(replica)
      }
      if (message.event === 'startFailed') reject(Object.assign(new Error(message.detail.message), message.detail))
    })
    child.once('exit', (code, signal) => reject(new Error(`replica exited before it started (${code ?? signal})`)))
  })
  return started
}

/** Stops a replica gracefully (or kills what will not stop). */
async function stopReplica(replica) {
  if (replica.child.exitCode !== null || replica.child.signalCode !== null) return
  try {
    await replica.call('stop')
  } catch { /* it died meanwhile */ }
  replica.child.disconnect?.()
  const timer = setTimeout(() => replica.kill('SIGKILL'), 10000)
  await replica.exited
  clearTimeout(timer)
}

/** Kills every replica still alive (afterEach). */
async function killAll() {
  const exits = [...live].map((child) => new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve()
    child.once('exit', resolve)
    child.kill('SIGKILL')
  }))
  await Promise.all(exits)
}

/** The side effects so far: one object per run that ended. */
function effects(file) {
  if (!fs.existsSync(file)) return []
  return fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line))
}

/** (job, tick) pairs served by more than one first attempt: runs a tick started twice. */
function duplicateTicks(lines) {
  const seen = new Map()
  for (const line of lines) {
    if (line.scheduledAt === null || line.attempt !== 1) continue
    const key = `${line.job}@${line.scheduledAt}`
    seen.set(key, (seen.get(key) ?? 0) + 1)
  }
  return [...seen].filter(([, count]) => count > 1).map(([key]) => key)
}

/** Ticks of `job` on the grid `anchor + k * period` within [from, to] that no run served. */
function missingTicks(lines, job, period, from, to) {
  const served = new Set(lines.filter((line) => line.job === job).map((line) => line.scheduledAt))
  const ticks = [...served].sort((a, b) => a - b)
  if (ticks.length === 0) return ['none served']
  const anchor = ticks[0]
  const missing = []
  for (let at = anchor; at <= to; at += period) if (at >= from && !served.has(at)) missing.push(at)
  return missing
}

/** Waits until `check()` is truthy (polled), or throws after `timeoutMs`. */
async function until(check, timeoutMs = 10000, what = 'the condition') {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await check()
    if (value) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(50)
  }
}

module.exports = { world, startReplica, stopReplica, killAll, effects, duplicateTicks, missingTicks, until }
