'use strict'

/**
 * The queue's dead letters are bounded by `cluster.deadLetterLimit`: past
 * it, the oldest are dropped, and `stats().cluster.deadLetters` is the
 * number kept. Garbage entries (not tasks) are dead-lettered by the node
 * that reads them, one letter each.
 */
const path = require('node:path')
const { ParallelProcessor } = require('../..')
const { startRedis, command, queueName, keysOf, dropQueue } = require('./redis')
const { waitFor } = require('../helpers')

const TASKS = path.join(__dirname, '..', 'fixtures', 'cluster-tasks.js')

let redis
beforeAll(async () => { redis = await startRedis() })
afterAll(async () => { await redis.stop() })

test('a node keeps the newest dead letters up to deadLetterLimit, and says how many', async () => {
  const queue = queueName('dead-letters')
  const node = new ParallelProcessor(1, { filename: TASKS, cluster: { redis: redis.url, queue, deadLetterLimit: 3 } })
  try {
    // A task first, so that the queue exists and the node reads it.
    await expect(node.execute({ id: 'first' })).resolves.toMatchObject({ id: 'first' })
    for (let i = 0; i < 5; i++) await command(redis.url, 'XADD', keysOf(queue).tasks, '*', 'garbage', String(i))
    await expect(node.execute({ id: 'after' })).resolves.toMatchObject({ id: 'after' })
    const letters = async () => (await command(redis.url, 'XRANGE', keysOf(queue).dead, '-', '+')).map(([, fields]) => fields[fields.indexOf('garbage') + 1])
    await waitFor(async () => (await letters()).includes('4'), 10000, 'the last garbage entry to be dead-lettered')
    expect(await letters()).toEqual(['2', '3', '4'])
    await waitFor(() => node.stats().cluster.deadLetters === 3, 10000, 'stats to count the letters kept')
  } finally {
    await node.dispose()
    if (!redis.own) await dropQueue(redis.url, queue)
  }
})

test.each([
  ['a string', '10', TypeError, 'ERR_INVALID_ARG_TYPE'],
  ['a negative number', -1, RangeError, 'ERR_OUT_OF_RANGE'],
  ['a fraction', 1.5, RangeError, 'ERR_OUT_OF_RANGE'],
])('deadLetterLimit as %s is refused', (_, deadLetterLimit, Class, code) => {
  let error
  try {
    new ParallelProcessor({ workers: 0, cluster: { redis: redis.url, queue: queueName('refused'), deadLetterLimit } })
  } catch (caught) {
    error = caught
  }
  expect(error).toBeInstanceOf(Class)
  expect(error.code).toBe(code)
})
