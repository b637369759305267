'use strict'

const { execFileSync } = require('node:child_process')

describe('entry points', () => {
  test('import: default export, named Piscina and the statics', () => {
    const script = `
      import Piscina, { Piscina as Named, move, isWorkerThread, workerData, transferableSymbol } from 'parallel-processor/piscina'
      const pool = new Piscina({ filename: ${JSON.stringify(require.resolve('./fixtures/other.mjs'))} })
      console.log(JSON.stringify([Named === Piscina, move === Piscina.move, isWorkerThread, workerData === undefined,
        transferableSymbol === Symbol.for('Piscina.transferable'), await pool.run(1)]))
      await pool.destroy()`
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: __dirname, encoding: 'utf8' })
    expect(JSON.parse(out)).toEqual([true, true, false, true, true, 'other 1'])
  })

  test('require: the class is the module, and its own named export', () => {
    const Piscina = require('parallel-processor/piscina')
    expect(Piscina.Piscina).toBe(Piscina)
    expect(typeof Piscina.version).toBe('string')
  })
})
