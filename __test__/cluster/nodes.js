'use strict'

/** Node processes of a test cluster, and their logs of task runs. */
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { fork } = require('node:child_process')

const NODE_SCRIPT = path.join(__dirname, '..', 'fixtures', 'cluster-node.js')

class Cluster {
  constructor(url, queue) {
    this.url = url
    this.queue = queue
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pp-cluster-'))
    this.log = path.join(this.dir, 'runs.log')
    fs.writeFileSync(this.log, '')
    this.children = new Set()
  }

  /** Starts a node process; resolves with `{ child, nodeId, name }` once it is seen in the queue. */
  start(name, workers = 2, options = {}, env = {}) {
    const child = fork(NODE_SCRIPT, [this.url, this.queue, String(workers), JSON.stringify(options)], {
      env: { ...process.env, CLUSTER_LOG: this.log, NODE_NAME: name, ...env },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    })
    this.children.add(child)
    child.once('exit', () => this.children.delete(child))
    return new Promise((resolve, reject) => {
      child.once('exit', (code, signal) => reject(new Error(`node ${name} exited (${code ?? signal}) before it was ready`)))
      child.on('message', (message) => {
        if (message.ready) resolve({ child, nodeId: message.nodeId, name })
      })
    })
  }

  /** Asks a node to `dispose` or `close`; resolves once it has exited. */
  stop(node, how = 'dispose') {
    const exited = new Promise((resolve) => node.child.once('exit', resolve))
    node.child.send(how)
    return exited
  }

  /** Resolves with a node's pool's figures: `{ workers, completed, failed, aborted, running, queued }`. */
  stats(node) {
    return new Promise((resolve, reject) => {
      const onMessage = (message) => {
        if (message.stats === undefined) return
        node.child.off('message', onMessage)
        node.child.off('exit', onExit)
        resolve(message.stats)
      }
      const onExit = () => {
        node.child.off('message', onMessage)
        reject(new Error(`node ${node.name} exited`))
      }
      node.child.on('message', onMessage)
      node.child.once('exit', onExit)
      node.child.send('stats')
    })
  }

  kill(node, signal = 'SIGKILL') {
    const exited = new Promise((resolve) => node.child.once('exit', resolve))
    node.child.kill(signal)
    return exited
  }

  /** Every logged run: `{ id, node, delivery }`. */
  runs() {
    return fs.readFileSync(this.log, 'utf8').split('\n').filter(Boolean).map((line) => {
      const [id, node, delivery] = line.split(' ')
      return { id: Number(id), node, delivery: Number(delivery) }
    })
  }

  async dispose() {
    await Promise.all([...this.children].map((child) => new Promise((resolve) => {
      child.once('exit', resolve)
      child.kill('SIGKILL')
    })))
    fs.rmSync(this.dir, { recursive: true, force: true })
  }
}

module.exports = { Cluster }
