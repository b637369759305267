'use strict'

const { ParallelProcessor } = require('./pool-kind')
const { fixture, readyPool } = require('./helpers')

describe('argv', () => {
  test("values are appended to the worker's process.argv as strings, after its script", async () => {
    const argv = [1, 'two', true, null, undefined, { a: 1 }, 2n, '--max-old-space-size=64', 'with space', '']
    const pool = await readyPool({ workers: 1, filename: fixture('argv.js'), argv })
    try {
      const expected = ['1', 'two', 'true', 'null', 'undefined', '[object Object]', '2', '--max-old-space-size=64', 'with space', '']
      expect(await pool.execute()).toEqual(expected)
      // A value that looks like a node option is an argument of the script, not an option of node.
      expect(await pool.execute(null, { name: 'execArgv' })).not.toContain('--max-old-space-size=64')
    } finally {
      await pool.dispose()
    }
  })

  test('the values are those of the constructor: changing the array later changes nothing', async () => {
    const argv = ['a', 'b']
    const pool = new ParallelProcessor({ workers: 1, filename: fixture('argv.js'), argv })
    argv.push('c')
    try {
      expect(await pool.execute()).toEqual(['a', 'b'])
      // A replacement worker gets them too.
      await pool.recycleWorkers()
      expect(await pool.execute()).toEqual(['a', 'b'])
    } finally {
      await pool.dispose()
    }
  })

  test('without argv (or with an empty one) nothing follows the script', async () => {
    for (const options of [{}, { argv: [] }]) {
      const pool = await readyPool({ workers: 1, filename: fixture('argv.js'), ...options })
      try {
        expect(await pool.execute()).toEqual([])
      } finally {
        await pool.dispose()
      }
    }
  })

  test.each([['a string', '--flag'], ['null', null], ['an object', { 0: 'a', length: 1 }], ['a number', 1]])(
    'argv that is %s throws TypeError ERR_INVALID_ARG_TYPE',
    (_, argv) => {
      expect(() => new ParallelProcessor({ workers: 1, filename: fixture('argv.js'), argv })).toThrow(
        expect.objectContaining({ name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE', message: expect.stringContaining('"argv"') }),
      )
    },
  )
})
