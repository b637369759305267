'use strict'

/**
 * TypeScript worker modules load wherever `node <file>` would run them with
 * the same flags: on a Node that strips types, or through a loader given in
 * execArgv (here a real one, built on the TypeScript compiler, whose ES
 * module hooks only import() sees). Where nothing can run them, the
 * WorkerStartError says why and what to do.
 */
const { ParallelProcessor, WorkerStartError } = require('./pool-kind')
const { fixture } = require('./helpers')

const typescript = (file) => fixture(`typescript/${file}`)
const loader = ['--import', typescript('strip-types-loader.mjs')]

const stripsTypes = Boolean(process.features.typescript)
const [major, minor] = process.versions.node.split('.').map(Number)
const before22_6 = major < 22 || (major === 22 && minor < 6)

/** The first task's result, or its rejection. */
async function firstOutcome(filename, options = {}) {
  const pool = new ParallelProcessor(1, { filename, ...options })
  try {
    return await pool.execute(21).catch((error) => error)
  } finally {
    await pool.dispose()
  }
}

/** The innermost cause. */
function rootCause(error) {
  while (error instanceof Error && error.cause !== undefined) error = error.cause
  return error
}

test.each(['worker.ts', 'worker.mts', 'worker.cts'])(
  '%s with a type annotation: runs where Node strips types; elsewhere WorkerStartError names the cause and the way out',
  async (file) => {
    const outcome = await firstOutcome(typescript(file))
    if (stripsTypes) {
      expect(outcome).toBe(42)
      return
    }
    expect(outcome).toBeInstanceOf(WorkerStartError)
    expect(outcome.code).toBe('ERR_WORKER_START')
    expect(outcome.message).toContain(`${typescript(file)} is TypeScript`)
    expect(outcome.message).toMatch(before22_6 ? /type stripping needs Node 22\.6 or later/ : /--experimental-strip-types/)
    expect(outcome.message).toContain("execArgv: ['--import', 'tsx']")
    // Node's own error is kept, under the explanation.
    expect(outcome.cause.message).toBe(outcome.message.slice('The worker module could not be loaded: '.length))
    expect(rootCause(outcome)).toBeInstanceOf(Error)
    expect(outcome.cause.message.startsWith(rootCause(outcome).message)).toBe(true)
  },
)

test.each(['worker.ts', 'worker.mts'])('%s runs through a loader given in execArgv', async (file) => {
  await expect(firstOutcome(typescript(file), { execArgv: loader })).resolves.toBe(42)
})

test('a real syntax error in a TypeScript module that a loader takes is reported as it is', async () => {
  const outcome = await firstOutcome(typescript('broken.ts'), { execArgv: loader })
  expect(outcome).toBeInstanceOf(WorkerStartError)
  expect(rootCause(outcome).name).toBe('SyntaxError')
  expect(outcome.message).not.toMatch(/is TypeScript|type stripping|tsx/)
})

test('a SyntaxError a TypeScript module throws as it runs is reported as it is', async () => {
  const outcome = await firstOutcome(typescript('json-at-load.ts'))
  expect(outcome).toBeInstanceOf(WorkerStartError)
  expect(outcome.cause.name).toBe('SyntaxError')
  expect(outcome.message).toContain('JSON')
  expect(outcome.message).not.toMatch(/is TypeScript|type stripping|tsx/)
})
