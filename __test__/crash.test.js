'use strict'

const { ParallelProcessor, WorkerCrashedError } = require('./pool-kind')
const { fixture, track, readyPool, whenReady, waitFor } = require('./helpers')

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

describe("'workerExit' carries the error that killed the worker", () => {
  let pool
  afterEach(() => pool?.dispose())

  test('an uncaught exception in a task: its name and message', async () => {
    pool = await readyPool({ workers: 1 })
    const exited = new Promise((resolve) => pool.once('workerExit', resolve))
    const crash = await pool.execute(10, { name: 'crashLater' }).catch((e) => e)
    expect(crash).toBeInstanceOf(WorkerCrashedError)
    const event = await exited
    expect(event.reason).toBe('crash')
    expect(event.error).toBeInstanceOf(Error)
    expect(event.error.message).toBe('late boom')
    // The same error as the crash's cause.
    expect(event.error).toBe(crash.cause)
  })

  test('an uncaught exception in an idle worker, left behind by a finished task', async () => {
    pool = await readyPool({ workers: 1 })
    const exited = new Promise((resolve) => pool.once('workerExit', resolve))
    await expect(pool.execute(20, { name: 'throwWhenIdle' })).resolves.toBe('done')
    const event = await exited
    expect(event).toMatchObject({ reason: 'crash', exitCode: 1 })
    expect(event.error).toBeInstanceOf(RangeError)
    expect(event.error.name).toBe('RangeError')
    expect(event.error.message).toBe('idle boom')
    // Its replacement serves.
    await expect(pool.execute(5)).resolves.toBe(5)
  })

  test('no error for a plain process.exit(), a retirement or a disposal', async () => {
    pool = await readyPool({ workers: 1, maxTasksPerWorker: 1 })
    const exits = []
    pool.on('workerExit', (event) => exits.push(event))
    await expect(pool.execute({ code: 0 }, { name: 'exit' })).rejects.toBeInstanceOf(WorkerCrashedError)
    await expect(pool.execute(1)).resolves.toBe(1)
    await waitFor(() => exits.some((e) => e.reason === 'retire'), 10000, 'the retirement')
    await pool.dispose()
    expect(exits.map((e) => e.reason)).toEqual(['crash', 'retire', 'dispose'])
    for (const event of exits) {
      expect('error' in event).toBe(true)
      expect(event.error).toBeUndefined()
    }
  })
})
