'use strict'

/**
 * What Node itself does under Wine, without the addon: the ground the
 * contract stands on (platforms/wine.sh smoke). Each check prints one line;
 * "N passed, N failed" at the end, exit 1 on any failure. Run by Windows'
 * node.exe with its output in a file (Wine gives a piped stdout EBADF).
 *
 * `child` and `grandchild` are this script's own roles, run in the processes
 * it starts.
 */
const fs = require('node:fs')
const net = require('node:net')
const os = require('node:os')
const path = require('node:path')
const { spawn, fork, execFileSync } = require('node:child_process')
const { Worker } = require('node:worker_threads')

let passed = 0
let failed = 0

async function check(name, body) {
  const start = Date.now()
  let timer
  const deadline = new Promise((resolve, reject) => {
    timer = setTimeout(() => reject(new Error('did not finish within 30 s')), 30000)
  })
  try {
    const note = await Promise.race([body(), deadline])
    passed++
    console.log(`  ok   ${name} (${Date.now() - start} ms)${note ? `: ${note}` : ''}`)
  } catch (error) {
    failed++
    console.log(`  FAIL ${name}: ${error && error.stack ? error.stack : error}`)
  } finally {
    clearTimeout(timer)
  }
}

const exited = (child) => new Promise((resolve, reject) => {
  child.on('error', reject)
  child.on('exit', (code, signal) => resolve({ code, signal }))
})

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

function alive(pid) {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    if (error.code === 'ESRCH') return false
    throw error
  }
}

async function gone(pid, ms) {
  for (const start = Date.now(); Date.now() - start < ms; await sleep(100)) if (!alive(pid)) return true
  return false
}

async function readJson(file, ms) {
  for (const start = Date.now(); Date.now() - start < ms; await sleep(50)) {
    try {
      return JSON.parse(fs.readFileSync(file, 'utf8'))
    } catch {
      // not written yet
    }
  }
  throw new Error(`${file} was not written within ${ms} ms`)
}

/**
 * Starts a parent that starts a grandchild; kills the parent with `kill(pid)`;
 * is the grandchild gone (or, `detached`, still there)?
 */
async function killedParent(kill, detached = false) {
  const file = path.join(os.tmpdir(), `wine-smoke-${process.pid}-${Date.now()}.json`)
  // Detached: the parent is in no job of ours, so only its own can end the grandchild.
  const parent = spawn(process.execPath, [__filename, 'child', file, detached ? 'detached' : 'attached'], { stdio: 'ignore', detached: true })
  const pids = await readJson(file, 20000)
  fs.rmSync(file)
  if (!alive(pids.grandchild)) throw new Error('the grandchild is not running')
  const start = Date.now()
  kill(pids.parent)
  await exited(parent)
  if (detached) {
    await sleep(2000)
    if (!alive(pids.grandchild)) throw new Error('the detached grandchild died with its parent')
    process.kill(pids.grandchild)
    return 'the detached grandchild was still running 2 s after the kill'
  }
  if (!(await gone(pids.grandchild, 10000))) {
    process.kill(pids.grandchild)
    throw new Error(`the grandchild ${pids.grandchild} outlived its killed parent by 10 s`)
  }
  return `the grandchild was gone ${Date.now() - start} ms after the kill`
}

async function main() {
  const start = Date.now()
  console.log(`node ${process.version} ${process.platform} ${process.arch}, ${os.type()} ${os.release()}`)

  await check('worker_threads: a worker answers and exits', async () => {
    const worker = new Worker('require("node:worker_threads").parentPort.on("message", (m) => { require("node:worker_threads").parentPort.postMessage(m * 2); process.exit(0) })', { eval: true })
    worker.postMessage(21)
    const [answer] = await Promise.all([new Promise((resolve) => worker.once('message', resolve)), exited(worker)])
    if (answer !== 42) throw new Error(`answered ${answer}`)
  })

  await check('worker_threads: a SharedArrayBuffer is shared', async () => {
    const shared = new Int32Array(new SharedArrayBuffer(4))
    const worker = new Worker('const { workerData } = require("node:worker_threads"); Atomics.add(workerData, 0, 5)', { eval: true, workerData: shared })
    await exited(worker)
    if (shared[0] !== 5) throw new Error(`reads ${shared[0]}`)
  })

  await check('child_process.spawn with piped stdin, stdout and stderr', async () => {
    const child = spawn(process.execPath, ['-e', 'process.stdin.pipe(process.stdout); console.error("err")'])
    let out = ''
    let err = ''
    child.stdout.on('data', (chunk) => { out += chunk })
    child.stderr.on('data', (chunk) => { err += chunk })
    child.stdin.end('hello')
    const { code } = await exited(child)
    if (code !== 0 || out !== 'hello' || err.trim() !== 'err') throw new Error(`exit ${code}, stdout ${JSON.stringify(out)}, stderr ${JSON.stringify(err)}`)
  })

  await check('child_process.spawn with descriptors 3 and 4 (net.Socket reads, fs.writeSync writes)', async () => {
    const child = spawn(process.execPath, [__filename, 'descriptors'], { stdio: ['ignore', 'ignore', 'ignore', 'pipe', 'pipe'] })
    let out = ''
    child.stdio[4].on('data', (chunk) => {
      out += chunk
      if (out === 'PING') child.stdio[3].end()
    })
    child.stdio[3].write('ping')
    const { code } = await exited(child)
    if (code !== 0 || out !== 'PING') throw new Error(`exit ${code}, answered ${JSON.stringify(out)}`)
  })

  await check('child_process.fork with IPC', async () => {
    const child = fork(__filename, ['ipc'], { stdio: ['ignore', 'ignore', 'ignore', 'ipc'] })
    child.send({ hello: 'there' })
    const [message, { code }] = await Promise.all([new Promise((resolve) => child.once('message', resolve)), exited(child)])
    if (code !== 0 || message.echo.hello !== 'there' || message.pid !== child.pid) throw new Error(`exit ${code}, message ${JSON.stringify(message)}`)
  })

  await check('exit codes and process.kill (TerminateProcess)', async () => {
    const three = await exited(spawn(process.execPath, ['-e', 'process.exit(3)'], { stdio: 'ignore' }))
    if (three.code !== 3) throw new Error(`process.exit(3) exited with ${JSON.stringify(three)}`)
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' })
    await sleep(500)
    child.kill()
    const killed = await exited(child)
    return `a killed child reports ${JSON.stringify(killed)}`
  })

  await check('a parent killed by process.kill takes its child with it (libuv\'s job object)', () => killedParent((pid) => process.kill(pid)))

  await check('a parent killed by taskkill /F takes its child with it', () => killedParent((pid) => {
    execFileSync('taskkill', ['/F', '/PID', String(pid)], { stdio: 'ignore' })
  }))

  await check('a detached child outlives its killed parent (no job object: the check above can see a survivor)', () => killedParent((pid) => process.kill(pid), true))

  console.log(`${(Date.now() - start) / 1000} s`)
  console.log(`${passed} passed, ${failed} failed`)
  process.exitCode = failed === 0 ? 0 : 1
}

const role = process.argv[2]

if (role === 'grandchild') {
  // Lives until killed; its pid is its parent's to report.
  setInterval(() => {}, 1000)
} else if (role === 'child') {
  // The parent to be killed: starts a grandchild (detached: outside libuv's
  // job object, when argv[4] says so), writes both pids, then waits.
  const grandchild = spawn(process.execPath, [__filename, 'grandchild'], { stdio: 'ignore', detached: process.argv[4] === 'detached' })
  fs.writeFileSync(process.argv[3], JSON.stringify({ parent: process.pid, grandchild: grandchild.pid }))
  setInterval(() => {}, 1000)
} else if (role === 'descriptors') {
  // Reads lines on descriptor 3, answers each in upper case on descriptor 4
  // (how a process worker talks to its parent).
  const input = new net.Socket({ fd: 3, readable: true, writable: false })
  input.setEncoding('utf8')
  input.on('data', (text) => fs.writeSync(4, text.toUpperCase()))
  input.on('end', () => process.exit(0))
} else if (role === 'ipc') {
  process.on('message', (message) => {
    process.send({ echo: message, pid: process.pid })
    process.disconnect()
  })
} else {
  main().catch((error) => {
    console.log(`FAIL ${error.stack}`)
    process.exit(1)
  })
}
