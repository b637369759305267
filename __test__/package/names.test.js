'use strict'

/**
 * Names that index.d.ts spells out as string unions, while the addon defines
 * them (as Rust enums, read by JavaScript by name): the reasons of
 * 'workerExit' and 'workerRetire', and the `stdio` modes. A name added to,
 * renamed in or dropped from one side fails this test.
 */
const path = require('node:path')
const ts = require('typescript')

const root = path.join(__dirname, '..', '..')
const addon = require(path.join(root, 'lib', 'native.js'))

/** The string literals of the type of `member` of the interface `name` in index.d.ts. */
function literalsOf(name, member) {
  const file = path.join(root, 'index.d.ts')
  const program = ts.createProgram([file], { noLib: true, noResolve: true, types: [], strict: true })
  const checker = program.getTypeChecker()
  const moduleSymbol = checker.getSymbolAtLocation(program.getSourceFile(file))
  const declared = checker.getExportsOfModule(moduleSymbol).find((symbol) => symbol.name === name)
  if (declared === undefined) throw new Error(`index.d.ts exports no ${name}`)
  const property = checker.getDeclaredTypeOfSymbol(declared).getProperty(member)
  if (property === undefined) throw new Error(`${name} has no ${member}`)
  const type = checker.getNonNullableType(checker.getTypeOfSymbol(property))
  const parts = type.isUnion() ? type.types : [type]
  return parts.map((part) => {
    if (!part.isStringLiteral()) throw new Error(`${name}.${member} is not a union of strings: ${checker.typeToString(type)}`)
    return part.value
  })
}

const sorted = (names) => [...names].sort()

test("'workerExit' reasons are the addon's exit reasons", () => {
  expect(sorted(literalsOf('WorkerExitEvent', 'reason'))).toEqual(sorted(addon.exitReasonNames()))
})

test("'workerRetire' reasons are the addon's retire reasons", () => {
  expect(sorted(literalsOf('WorkerRetireEvent', 'reason'))).toEqual(sorted(addon.retireReasonNames()))
})

test("the stdio modes are the addon's", () => {
  expect(sorted(literalsOf('ProcessorOptions', 'stdio'))).toEqual(sorted(Object.values(addon.Stdio)))
})
