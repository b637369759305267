'use strict'

const { ParallelProcessor } = require('./pool-kind')
const { fixture, readyPool } = require('./helpers')

describe('priorities', () => {
  test('higher priority starts first, first in first out within a priority', async () => {
    const pool = await readyPool({ workers: 1 })
    try {
      const blocker = pool.execute(200, { name: 'sleep' })
      const order = []
      const queued = [['a', 0], ['b', -1], ['c', 5], ['d', 5], ['e', 2], ['f', 0]].map(([label, priority]) =>
        pool.execute(label, { priority }).then((value) => order.push(value)))
      await Promise.all([blocker, ...queued])
      expect(order).toEqual(['c', 'd', 'e', 'a', 'f', 'b'])
    } finally {
      await pool.dispose()
    }
  })

  test.each([
    [1.5, RangeError, 'ERR_OUT_OF_RANGE'],
    [2 ** 31, RangeError, 'ERR_OUT_OF_RANGE'],
    ['high', TypeError, 'ERR_INVALID_ARG_TYPE'],
  ])('priority %p is refused', async (priority, ErrorClass, code) => {
    const pool = new ParallelProcessor(1, { filename: fixture('tasks.js') })
    try {
      const error = await pool.execute(1, { priority }).catch((e) => e)
      expect(error).toBeInstanceOf(ErrorClass)
      expect(error.code).toBe(code)
      await expect(pool.execute(1, { priority: -3 })).resolves.toBe(1)
    } finally {
      await pool.dispose()
    }
  })
})
