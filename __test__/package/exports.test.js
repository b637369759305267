'use strict'

/**
 * The package's exports are listed in three places that nothing ties
 * together: index.js (CommonJS), index.mjs (ES modules, one `export` per
 * name) and index.d.ts (the handwritten types). They must name the same
 * values: a name added to or dropped from one of them fails this test.
 *
 * index.d.ts is read with the TypeScript compiler: its exported values (the
 * classes, functions and constants it declares, not its types), whatever the
 * form of their declaration. index.mjs is imported by a child process, since
 * jest runs CommonJS: by the package's name, as users import it, so the
 * "exports" map of package.json is taken too.
 */
const path = require('node:path')
const { execFileSync } = require('node:child_process')
const ts = require('typescript')

const root = path.join(__dirname, '..', '..')

/** The values index.d.ts exports: name -> 'class' | 'function' | 'variable'. */
function declaredExports() {
  const file = path.join(root, 'index.d.ts')
  // Only the exports of this one file are needed: no library, no imports.
  const program = ts.createProgram([file], { noLib: true, noResolve: true, types: [] })
  const checker = program.getTypeChecker()
  const moduleSymbol = checker.getSymbolAtLocation(program.getSourceFile(file))
  const values = new Map()
  for (const exported of checker.getExportsOfModule(moduleSymbol)) {
    const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported
    if (!(symbol.flags & ts.SymbolFlags.Value)) continue
    const kind = symbol.flags & ts.SymbolFlags.Class ? 'class'
      : symbol.flags & ts.SymbolFlags.Function ? 'function'
        : symbol.flags & ts.SymbolFlags.Variable ? 'variable'
          : 'other'
    values.set(exported.name, kind)
  }
  return values
}

/** What index.mjs exports, imported by the package's name in a fresh process. */
function esmExports() {
  const script = `
    import { createRequire } from 'node:module'
    const esm = await import('parallel-processor')
    const cjs = createRequire(process.cwd() + '/')('parallel-processor')
    const named = Object.keys(esm).filter((name) => name !== 'default')
    console.log(JSON.stringify({
      named,
      defaultIsCommonJs: esm.default === cjs,
      sameValues: named.filter((name) => esm[name] !== cjs[name]).length === 0,
    }))
  `
  const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root, encoding: 'utf8' })
  return JSON.parse(output)
}

const sorted = (names) => [...names].sort()

describe('the export lists', () => {
  const declared = declaredExports()
  const commonJs = require(root)

  test('index.d.ts declares the values index.js exports', () => {
    expect(declared.size).toBeGreaterThan(0)
    expect(sorted(declared.keys())).toEqual(sorted(Object.keys(commonJs)))
  })

  test('index.mjs exports the same names, and the same values, as index.js', () => {
    const esm = esmExports()
    expect(sorted(esm.named)).toEqual(sorted(Object.keys(commonJs)))
    expect(esm.defaultIsCommonJs).toBe(true)
    expect(esm.sameValues).toBe(true)
  })

  test('each export is what index.d.ts declares it to be', () => {
    const { ProcessorError } = commonJs
    for (const [name, kind] of declared) {
      const value = commonJs[name]
      if (kind === 'class') {
        expect([name, typeof value, typeof value.prototype]).toEqual([name, 'function', 'object'])
        // The error classes all extend ProcessorError.
        if (name.endsWith('Error')) expect([name, value === ProcessorError || value.prototype instanceof ProcessorError]).toEqual([name, true])
      } else if (kind === 'function') {
        expect([name, typeof value]).toEqual([name, 'function'])
      } else {
        expect([name, kind, typeof value === 'function']).toEqual([name, 'variable', false])
      }
    }
  })
})
