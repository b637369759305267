'use strict'

const { ParallelProcessor, WorkerCrashedError } = require('./pool-kind')
const { fixture, track, readyPool, whenReady } = require('./helpers')

describe('a worker that dies mid-task', () => {
  let pool
  afterEach(() => pool?.dispose())

  async function expectOnlyItsTaskRejected(crashingTask, checkError) {
    pool = await readyPool({ workers: 4 })
    const exits = []
    pool.on('workerExit', (event) => exits.push(event))
    // Three long tasks occupy the other workers; twenty more wait in the queue.
    const running = Array.from({ length: 3 }, (_, i) => pool.execute({ a: i, b: 0, ms: 300 }, { name: 'addLater' }))
    const crashing = crashingTask()
    const queued = Array.from({ length: 20 }, (_, i) => pool.execute({ a: i, b: 100 }, { name: 'add' }))
    const tracked = track([...running, crashing, ...queued])

    const outcomes = await tracked.settled()
    const error = outcomes[3].value
    expect(outcomes[3].status).toBe('rejected')
    expect(error).toBeInstanceOf(WorkerCrashedError)
    expect(error.code).toBe('ERR_WORKER_CRASHED')
    expect(typeof error.workerId).toBe('number')
    checkError(error)
    expect(outcomes.filter((o) => o.status === 'rejected')).toHaveLength(1)
    expect(outcomes.slice(0, 3).map((o) => o.value)).toEqual([0, 1, 2])
    expect(outcomes.slice(4).map((o) => o.value)).toEqual(Array.from({ length: 20 }, (_, i) => i + 100))

    expect(exits).toEqual([expect.objectContaining({ id: error.workerId, reason: 'crash' })])
    await whenReady(pool, { size: 4, what: 'the replacement' })
    const stats = pool.stats()
    expect(stats.crashed).toBe(1)
    expect(stats.workers.map((w) => w.id)).not.toContain(error.workerId)
    await expect(pool.execute(1)).resolves.toBe(1)
  }

  test('process.exit(3) rejects only its own task, with the exit code', async () => {
    await expectOnlyItsTaskRejected(
      () => pool.execute({ code: 3, afterMs: 50 }, { name: 'exit' }),
      (error) => expect(error.exitCode).toBe(3),
    )
  })

  test('an uncaught exception from a timer rejects only its own task, with the error as cause', async () => {
    await expectOnlyItsTaskRejected(
      () => pool.execute(50, { name: 'crashLater' }),
      (error) => {
        expect(error.exitCode).toBe(1)
        expect(error.cause).toBeInstanceOf(Error)
        expect(error.cause.message).toBe('late boom')
      },
    )
  })

  test('a synchronous process.exit while others queue behind it', async () => {
    pool = new ParallelProcessor(1, { filename: fixture('tasks.js') })
    const crashing = pool.execute({ code: 7 }, { name: 'exit' })
    const after = Array.from({ length: 10 }, (_, i) => pool.execute(i))
    await expect(crashing).rejects.toMatchObject({ name: 'WorkerCrashedError', exitCode: 7 })
    expect(await Promise.all(after)).toEqual(Array.from({ length: 10 }, (_, i) => i))
  })
})
