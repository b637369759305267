'use strict'

const fs = require('node:fs')
const { ParallelProcessor } = require('../pool-kind')
const { fixture, waitFor, whenReady } = require('../helpers')

/**
 * This process's open descriptors, each with what it points to (a socket's
 * or a pipe's inode): a number reused for something else is another entry.
 * Jest runs earlier test files in this same process, and what they left
 * closing may close during this one, so a test compares sets, not counts.
 */
const openFds = () => new Set(fs.readdirSync('/proc/self/fd').map((fd) => {
  try {
    return `${fd} -> ${fs.readlinkSync(`/proc/self/fd/${fd}`)}`
  } catch {
    return `${fd} (closed while listed)` // the directory's own descriptor, say
  }
}))
/** The descriptors open now that were not open in `before`. */
const openedSince = (before) => [...openFds()].filter((fd) => !before.has(fd) && !fd.endsWith('(closed while listed)'))
/**
 * This process's children, zombies included: each thread's (the kernel lists
 * a child under the thread that forked it). A thread may end between the
 * listing and the read (a child's reader or waiter, say): it has no children.
 */
const children = () => fs.readdirSync('/proc/self/task').flatMap((task) => {
  try {
    return fs.readFileSync(`/proc/self/task/${task}/children`, 'utf8').split(' ').filter(Boolean)
  } catch (error) {
    if (error.code === 'ENOENT' || error.code === 'ESRCH') return []
    throw error
  }
})

describe('dispose()', () => {
  test('leaves no child, no zombie and no open descriptor behind', async () => {
    // What the first process pool sets up for the whole process stays: the
    // spawner thread, and the lifeline's pipe (two descriptors, once).
    await new ParallelProcessor(1, { filename: fixture('tasks.js') }).dispose()
    const fdsBefore = openFds()
    const childrenBefore = children().length
    const pool = new ParallelProcessor(3, { filename: fixture('tasks.js') })
    // All three children up (30 tiny tasks may all finish on the first two).
    await whenReady(pool, { size: 3, timeoutMs: 10000 })
    await Promise.all(Array.from({ length: 30 }, (_, i) => pool.execute(i)))
    const running = pool.execute(60000, { name: 'sleep' }).catch(() => {})
    await waitFor(() => pool.running === 1, 5000, 'a running task')
    const pids = pool.stats().workers.map((w) => w.pid)
    expect(pids.every((pid) => typeof pid === 'number')).toBe(true)
    expect(children().length).toBe(childrenBefore + 3)

    await pool.dispose()
    await running
    // Reaped (not merely dead): no /proc entry is left for any of them.
    for (const pid of pids) expect(fs.existsSync(`/proc/${pid}`)).toBe(false)
    expect(children().length).toBe(childrenBefore)
    expect(openedSince(fdsBefore)).toEqual([])
  })

  test('a pool disposed while its children start leaves none behind', async () => {
    const childrenBefore = children().length
    const pool = new ParallelProcessor(4, { filename: fixture('tasks.js') })
    await pool.dispose()
    expect(children().length).toBe(childrenBefore)
    expect(pool.size).toBe(0)
  })
})
