'use strict'

const os = require('node:os')
const { KIND } = require('./pool-kind')
const { readyPool } = require('./helpers')

/** What a worker lands on: its nice value plus the increment, stopping at the lowest priority. */
const lowered = (nice, increment) => Math.min(nice + increment, os.constants.priority.PRIORITY_LOW)

/** The nice value of this very thread (field 19 of /proc/thread-self/stat), on Linux. */
function threadNice() {
  const stat = require('node:fs').readFileSync('/proc/thread-self/stat', 'utf8')
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19 - 3])
}

describe('niceIncrement', () => {
  let pool
  afterEach(() => pool?.dispose())

  test('each worker runs at its creator\'s priority plus the increment; the main thread keeps its own', async () => {
    const before = os.getPriority(0)
    pool = await readyPool({ workers: 2, niceIncrement: 3 })
    const seen = await Promise.all([
      pool.execute(null, { name: 'priority' }),
      pool.execute(null, { name: 'priority' }),
    ])
    const expected = lowered(before, 3)
    const appliesHere = KIND === 'process' || process.platform === 'linux'
    for (const { priority, threadNice: nice, processNice } of seen) {
      // Thread workers elsewhere than on Linux are left alone (see docs/api.md).
      expect(priority).toBe(appliesHere ? expected : before)
      if (process.platform === 'linux') expect(nice).toBe(expected)
      // A child process runs at it on every thread, V8's and libuv's included.
      if (KIND === 'process') expect(new Set(processNice)).toEqual(new Set(process.platform === 'linux' ? [expected] : []))
    }
    expect(os.getPriority(0)).toBe(before)
    if (process.platform === 'linux') expect(threadNice()).toBe(before)
  })

  test('an increment past the lowest priority stops there', async () => {
    const before = os.getPriority(0)
    pool = await readyPool({ workers: 1, niceIncrement: 100 })
    const { priority } = await pool.execute(null, { name: 'priority' })
    const appliesHere = KIND === 'process' || process.platform === 'linux'
    expect(priority).toBe(appliesHere ? os.constants.priority.PRIORITY_LOW : before)
    expect(os.getPriority(0)).toBe(before)
  })

  test('0, the default, changes nothing', async () => {
    pool = await readyPool({ workers: 1 })
    const { priority } = await pool.execute(null, { name: 'priority' })
    expect(priority).toBe(os.getPriority(0))
  })
})
