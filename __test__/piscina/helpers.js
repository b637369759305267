'use strict'

const Piscina = require('parallel-processor/piscina')

const TASKS = require.resolve('./fixtures/tasks.js')

/** A Piscina on the fixture module, destroyed after the test. */
function pools() {
  const created = []
  afterEach(async () => {
    await Promise.all(created.splice(0).map((pool) => pool.destroy()))
  })
  return (options = {}) => {
    const pool = new Piscina({ filename: TASKS, ...options })
    created.push(pool)
    return pool
  }
}

module.exports = { Piscina, TASKS, pools }
