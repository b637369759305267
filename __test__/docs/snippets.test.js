'use strict'

/**
 * README.md's JavaScript snippets run as written.
 *
 * - Every ```js block (or ```javascript, ```mjs, ```cjs) starts with a comment
 *   naming its file: `// task.js: what it is` or `// main.js`. A JavaScript
 *   block without one fails this test. Blocks of other languages (```ts,
 *   ```sh, untagged) are not JavaScript and are left alone.
 * - The blocks under one heading are one example: they are written into a
 *   fresh folder of their own, in which `require('parallel-processor')` and
 *   `import ... from 'parallel-processor'` resolve to this repository
 *   (node_modules/parallel-processor is a symlink to it).
 * - An example's entry points are its files that no other block of it names
 *   as `./<file>` (main.js loads ./task.js, so only main.js is run). Each is
 *   run with `node` in that folder: it must exit with 0 and print nothing on
 *   stderr, and what it prints must contain what `expectedOutput` says.
 *
 * The snippets that use a cluster find their Redis at `REDIS_URL`: the
 * cluster tests' one (see __test__/cluster/redis.js).
 *
 * Once is enough: this file is in __test__/docs/, in the project of tests
 * that do not depend on the kind of worker (the snippets choose their own).
 */
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { runNode, repoRoot } = require('../helpers')
const { startRedis } = require('../cluster/redis')

const JS_TAGS = new Set(['js', 'javascript', 'mjs', 'cjs'])
const FILE_COMMENT = /^\/\/\s*([\w.-]+\.(?:js|mjs|cjs))(?::|\s|$)/

/** What an entry point must print: heading -> file -> substrings of its stdout. */
const expectedOutput = {
  'Quick start': { 'main.js': ["{ path: 'a.png', width: 100, done: true }", '832040'] },
  Orchestrator: { 'main.js': ['fetch-data { fetched: 1 }', 'process-data processed', 'triggered: clean', 'fetches; cleanup next at 20'] },
  Cluster: { 'main.js': ["{ path: 'a.png', delivery: 1 }", "{ path: 'b.png', delivery: 1 }"] },
}

/** The fenced blocks of a Markdown text, each with its tag, first line number and the heading above it. */
function codeBlocks(markdown) {
  const blocks = []
  let heading = '(top)'
  let open = null
  markdown.split('\n').forEach((line, i) => {
    if (open) {
      if (/^```\s*$/.test(line)) {
        blocks.push(open)
        open = null
      } else {
        open.lines.push(line)
      }
    } else if (line.startsWith('```')) {
      open = { tag: line.slice(3).trim().split(/\s/)[0].toLowerCase(), line: i + 1, heading, lines: [] }
    } else if (/^#{1,6}\s/.test(line)) {
      heading = line.replace(/^#+\s*/, '').trim()
    }
  })
  if (open) throw new Error(`README.md: the block opened at line ${open.line} is never closed`)
  return blocks.map(({ lines, ...block }) => ({ ...block, code: `${lines.join('\n')}\n` }))
}

const jsBlocks = codeBlocks(fs.readFileSync(path.join(repoRoot, 'README.md'), 'utf8'))
  .filter((block) => JS_TAGS.has(block.tag))
  .map((block) => ({ ...block, file: FILE_COMMENT.exec(block.code)?.[1] }))

/** The named blocks grouped by heading: [heading, blocks][], in the README's order. */
const examples = []
for (const block of jsBlocks.filter((b) => b.file)) {
  const example = examples.find(([heading]) => heading === block.heading)
  if (example) example[1].push(block)
  else examples.push([block.heading, [block]])
}

const entryPoints = (blocks) =>
  blocks.filter((b) => !blocks.some((other) => other !== b && other.code.includes(`./${b.file}`)))

describe('README.md snippets', () => {
  let root
  let redis
  beforeAll(async () => {
    redis = await startRedis()
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'pp-readme-'))
    fs.mkdirSync(path.join(root, 'node_modules'))
    fs.symlinkSync(repoRoot, path.join(root, 'node_modules', 'parallel-processor'), 'dir')
  })
  afterAll(async () => {
    await redis?.stop()
    if (root) fs.rmSync(root, { recursive: true, force: true })
  })

  test('every JavaScript block starts with a comment naming its file', () => {
    expect(jsBlocks.length).toBeGreaterThan(0)
    const unnamed = jsBlocks.filter((b) => !b.file).map((b) => `line ${b.line}: ${b.code.split('\n')[0]}`)
    expect(unnamed).toEqual([])
  })

  test('no example names a file twice, and each has an entry point', () => {
    const problems = []
    for (const [heading, blocks] of examples) {
      const names = blocks.map((b) => b.file)
      const twice = names.filter((name, i) => names.indexOf(name) !== i)
      if (twice.length > 0) problems.push(`${heading}: ${twice.join(', ')} written twice`)
      if (entryPoints(blocks).length === 0) problems.push(`${heading}: no entry point`)
    }
    expect(problems).toEqual([])
  })

  test('the snippets whose output is checked are still there', () => {
    for (const [heading, files] of Object.entries(expectedOutput)) {
      const blocks = examples.find(([h]) => h === heading)?.[1] ?? []
      expect({ heading, entryPoints: entryPoints(blocks).map((b) => b.file) })
        .toEqual({ heading, entryPoints: expect.arrayContaining(Object.keys(files)) })
    }
  })

  describe.each(examples.map(([heading, blocks], i) => [heading, blocks, i]))('%s', (heading, blocks, i) => {
    test.each(entryPoints(blocks).map((b) => [b.file]))('node %s exits with 0 and prints no error', async (entry) => {
      const dir = path.join(root, `example-${i}-${path.parse(entry).name}`)
      fs.mkdirSync(dir)
      for (const block of blocks) fs.writeFileSync(path.join(dir, block.file), block.code)
      const run = await runNode([entry], { cwd: dir, env: { REDIS_URL: redis.url } })
      expect({ code: run.code, signal: run.signal, stderr: run.stderr }).toEqual({ code: 0, signal: null, stderr: '' })
      for (const expected of expectedOutput[heading]?.[entry] ?? []) expect(run.stdout).toContain(expected)
    })
  })
})
