'use strict'

const { KIND, move, ParallelProcessor } = require('./pool-kind')
const { readyPool, fixture } = require('./helpers')

const MB = 2 ** 20

describe('big data', () => {
  let pool
  beforeAll(async () => { pool = await readyPool({ workers: 2 }, { timeoutMs: 10000 }) })
  afterAll(() => pool.dispose())

  test('a listed ArrayBuffer is moved: the caller\'s is detached as soon as execute() returns', async () => {
    const bytes = new Uint8Array(4 * MB).fill(9)
    const running = pool.execute(bytes, { name: 'byteLength', transferList: [bytes.buffer] })
    expect(bytes.buffer.byteLength).toBe(0)
    await expect(running).resolves.toBe(4 * MB)
  })

  test('move() on the caller is a transferList of the whole underlying buffer', async () => {
    const buffer = Buffer.alloc(3 * MB, 5)
    const running = pool.execute(move(buffer), { name: 'describeBytes' })
    expect(buffer.buffer.byteLength).toBe(0)
    await expect(running).resolves.toEqual({ isBuffer: true, type: 'Buffer', byteLength: 3 * MB, first: 5, last: 5 })
  })

  test('move() in a handler moves the result back', async () => {
    const result = await pool.execute(Buffer.alloc(2 * MB, 3), { name: 'moveBack' })
    expect(Buffer.isBuffer(result)).toBe(true)
    expect([result.length, result[0], result[result.length - 1]]).toEqual([2 * MB, 3, 3])
  })

  test('a big Buffer without transfer arrives whole, as a Buffer, and the caller keeps its own', async () => {
    const buffer = Buffer.alloc(20 * MB)
    buffer[0] = 1
    buffer[buffer.length - 1] = 2
    const echoed = await pool.execute(buffer)
    expect(Buffer.isBuffer(echoed)).toBe(true)
    expect([echoed.length, echoed[0], echoed[echoed.length - 1]]).toEqual([20 * MB, 1, 2])
    expect(buffer.length).toBe(20 * MB)
    // The worker's copy is its own: changing it (here, the echo) left ours alone.
    echoed[0] = 42
    expect(buffer[0]).toBe(1)
  })

  test('big buffers nested in objects, arrays and Maps keep their types', async () => {
    const list = [Buffer.alloc(MB, 1), new Uint8Array(MB), Buffer.from('small')]
    const result = await pool.execute({ list, map: new Map([['big', new Float64Array(MB / 8)]]) }, { name: 'nested' })
    expect(result).toEqual({ buffers: [true, false, true], lengths: [MB, MB, 5], mapped: MB })
  })

  test('typed arrays of every kind and size arrive whole and exact, big and small tasks interleaved', async () => {
    // Sizes around the point where a payload is read into memory of its own.
    const sizes = [64 * 1024 - 8, 64 * 1024, 64 * 1024 + 8, 3 * MB + 8]
    const kinds = [Buffer, Uint8Array, Int16Array, Float32Array, Float64Array, BigUint64Array]
    const sent = kinds.flatMap((Kind) => sizes.map((bytes) => {
      const view = Kind === Buffer ? Buffer.alloc(bytes) : new Kind(bytes / Kind.BYTES_PER_ELEMENT)
      const bytesOf = new Uint8Array(view.buffer, view.byteOffset, view.byteLength)
      for (let i = 0; i < bytesOf.length; i += 4093) bytesOf[i] = i % 251
      bytesOf[bytesOf.length - 1] = 7
      return view
    }))
    // A view that starts inside its buffer: only its own bytes go.
    sent.push(Buffer.alloc(MB + 100, 3).subarray(100))
    const results = await Promise.all(sent.flatMap((view) => [pool.execute(view), pool.execute({ small: true })]))
    for (let i = 0; i < sent.length; i++) {
      const [echoed, small] = [results[2 * i], results[2 * i + 1]]
      expect(small).toEqual({ small: true })
      expect(echoed.constructor.name).toBe(sent[i].constructor.name)
      expect(Buffer.compare(Buffer.from(echoed.buffer, echoed.byteOffset, echoed.byteLength),
        Buffer.from(sent[i].buffer, sent[i].byteOffset, sent[i].byteLength))).toBe(0)
    }
  })

  test('a small typed array beside a big one holds only its own memory, not the whole payload\'s', async () => {
    const held = await pool.execute({ small: new Uint8Array(16), big: new Uint8Array(2 * MB) }, { name: 'memoryHeld' })
    expect(held.small).toBe(16)
    expect(held.big).toBe(2 * MB)
  })

  test('big payloads on a worker that runs several tasks at once all settle', async () => {
    const shared = new ParallelProcessor(1, { filename: fixture('tasks.js'), concurrentTasksPerWorker: 2 })
    try {
      const sizes = await Promise.all([1, 2, 3, 4, 5, 6].map((i) => shared.execute(Buffer.alloc(MB, i), { name: 'byteLength' })))
      expect(sizes).toEqual(Array(6).fill(MB))
    } finally {
      await shared.dispose()
    }
  })

  test.each([
    ['a string', ['buffer']],
    ['a typed array (not its buffer)', [new Uint8Array(4)]],
    ['a SharedArrayBuffer', [new SharedArrayBuffer(4)]],
    ['not an array', new ArrayBuffer(4)],
  ])('a transferList holding %s rejects with ERR_INVALID_ARG_TYPE and touches no worker', async (_, transferList) => {
    const before = pool.stats().completed + pool.stats().failed
    const error = await pool.execute(1, { transferList }).catch((e) => e)
    expect(error).toBeInstanceOf(TypeError)
    expect(error.code).toBe('ERR_INVALID_ARG_TYPE')
    expect(pool.stats().completed + pool.stats().failed).toBe(before)
    await expect(pool.execute(6)).resolves.toBe(6)
  })

  test('each worker reports its memory after its tasks, without a memory limit', async () => {
    // Two at a time for each: both workers run some.
    await Promise.all(Array.from({ length: 4 }, () => pool.execute(50, { name: 'sleep' })))
    for (const worker of pool.stats().workers) {
      const figure = KIND === 'thread' ? worker.heapUsedMb : worker.rssMb
      expect(figure).toBeGreaterThan(0)
    }
  })
})
