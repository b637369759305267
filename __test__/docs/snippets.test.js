'use strict'

/**
 * The documentation's JavaScript snippets run as written, and its links lead
 * somewhere. The documentation is README.md, CONTRIBUTING.md and every
 * docs/*.md.
 *
 * - Every ```js block (or ```javascript, ```mjs, ```cjs) starts with a comment
 *   naming its file: `// task.js: what it is` or `// main.js`. A JavaScript
 *   block without one fails this test. Blocks of other languages (```ts,
 *   ```sh, untagged) are not JavaScript and are left alone.
 * - The blocks under one heading of one file are one example: they are
 *   written into a fresh folder of their own, in which
 *   `require('parallel-processor')` and `import ... from 'parallel-processor'`
 *   resolve to this repository (node_modules/parallel-processor is a symlink
 *   to it).
 * - An example's entry points are its files that no other block of it names
 *   as `./<file>` (main.js loads ./task.js, so only main.js is run). Each is
 *   run with `node` in that folder: it must exit with 0 and print nothing on
 *   stderr, and what it prints must contain what `expectedOutput` says.
 * - Every relative link (`[text](docs/api.md#errors)`, `[text](#events)`)
 *   names a file that exists, and its `#anchor`, in a Markdown file, a
 *   heading of that file (as GitHub makes anchors of headings).
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

/** The documentation: paths relative to the repository, README.md first. */
const DOC_FILES = [
  'README.md',
  'CONTRIBUTING.md',
  ...fs
    .readdirSync(path.join(repoRoot, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => `docs/${name}`),
]

/** What an entry point must print: document -> heading -> file -> substrings of its stdout. */
const expectedOutput = {
  'README.md': {
    'Quick start': { 'main.js': ["{ path: 'a.png', width: 100, done: true }", '832040'] },
    'Process workers': { 'main.js': ['true 5\n42\n'] },
    Orchestrator: { 'main.js': ['fetch-data { fetched: 1 }', 'process-data processed', 'triggered: clean', 'fetches; cleanup next at 20'] },
    Cluster: { 'main.js': ["{ path: 'a.png', delivery: 1 }", "{ path: 'b.png', delivery: 1 }"] },
  },
  'docs/api.md': {
    'The worker module': { 'main.js': ['gamma 2 true false'] },
    // The sha256 of 64 MiB of 0x01 bytes, then the moved buffer (detached here, inverted there), then the shared counter.
    'Big data': { 'big.js': ['9aeda0ca13e528c577f7436bdf406521ffbce63dde0d7ae17dc0aa0ea709fe89\n0 254\n2000\n'] },
    'Settlement guarantee': {
      'main.js': ['TimeoutError ERR_TASK_TIMEOUT\nWorkerCrashedError ERR_WORKER_CRASHED\nRangeError ERR_TOO_BIG\nAbortError ABORT_ERR\n42\n'],
    },
  },
  'docs/orchestrator.md': {
    'Retries and dead letters': {
      'main.js': [
        'attempt 1 gateway busy (will retry)\ncharged 40 on attempt 2\n',
        'attempt 3 declined: 500 (final)\nrun failed: declined: 500\n',
        "dead letter: charge { amount: 500 } 3\nconsecutive failures: 1\n",
      ],
    },
    'Next fire times': { 'main.js': ['2027-03-27T01:30:00.000Z 2027-03-28T01:00:00.000Z 2027-03-29T00:30:00.000Z'] },
    'Across replicas': { 'main.js': ['another replica leads: true\nticks run twice: 0\nticks missed: 0\n'] },
  },
  'docs/coming-from.md': {
    'The piscina entry': { 'main.js': ['10\n24\n1024 bytes, in a worker: true 0\nThe task has been aborted\n4 20\n'] },
  },
  'docs/dashboard.md': {
    "Node's http": { 'main.js': ['Thumbnails true 2 thumbnails\n'] },
  },
  'docs/cluster.md': {
    'A node that only submits': { 'main.js': ['{ width: 320, delivery: 1 }\ntrue width must be positive, got -1\n'] },
    'Redis unreachable': { 'main.js': ['true ERR_CLUSTER_UNAVAILABLE'] },
  },
  'docs/observability.md': {
    Metrics: { 'main.js': ['parallel_processor_tasks_total{outcome="success"} 1'] },
    Example: {
      'main.js': [
        "the worker's span is in the request's trace: true",
        'span: resize (INTERNAL)',
        'span: parallel-processor run default (CONSUMER)',
        'span: parallel-processor execute (PRODUCER)',
        'span: request (INTERNAL)',
      ],
    },
  },
}

/** The fenced blocks of a Markdown text, each with its tag, first line number and the heading above it. */
function codeBlocks(doc, markdown) {
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
      open = { doc, tag: line.slice(3).trim().split(/\s/)[0].toLowerCase(), line: i + 1, heading, lines: [] }
    } else if (/^#{1,6}\s/.test(line)) {
      heading = line.replace(/^#+\s*/, '').trim()
    }
  })
  if (open) throw new Error(`${doc}: the block opened at line ${open.line} is never closed`)
  return blocks.map(({ lines, ...block }) => ({ ...block, code: `${lines.join('\n')}\n` }))
}

/** The lines of a Markdown text outside fenced blocks, with their numbers. */
function proseLines(markdown) {
  const lines = []
  let fenced = false
  markdown.split('\n').forEach((line, i) => {
    if (line.startsWith('```')) fenced = !fenced
    else if (!fenced) lines.push({ line, number: i + 1 })
  })
  return lines
}

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces as hyphens, repeats numbered. */
function anchorsOf(markdown) {
  const anchors = new Set()
  for (const { line } of proseLines(markdown)) {
    if (!/^#{1,6}\s/.test(line)) continue
    const text = line
      .replace(/^#+\s*/, '')
      .trim()
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    const slug = text.toLowerCase().replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '').replace(/ /g, '-')
    let anchor = slug
    for (let n = 1; anchors.has(anchor); n++) anchor = `${slug}-${n}`
    anchors.add(anchor)
  }
  return anchors
}

const texts = Object.fromEntries(DOC_FILES.map((doc) => [doc, fs.readFileSync(path.join(repoRoot, doc), 'utf8')]))

const jsBlocks = DOC_FILES.flatMap((doc) => codeBlocks(doc, texts[doc]))
  .filter((block) => JS_TAGS.has(block.tag))
  .map((block) => ({ ...block, file: FILE_COMMENT.exec(block.code)?.[1] }))

/** The named blocks grouped by document and heading: { doc, heading, blocks }[], in the documents' order. */
const examples = []
for (const block of jsBlocks.filter((b) => b.file)) {
  const example = examples.find(({ doc, heading }) => doc === block.doc && heading === block.heading)
  if (example) example.blocks.push(block)
  else examples.push({ doc: block.doc, heading: block.heading, blocks: [block] })
}

const entryPoints = (blocks) =>
  blocks.filter((b) => !blocks.some((other) => other !== b && other.code.includes(`./${b.file}`)))

/** Every relative link of the documentation: { doc, number, target }. */
const links = DOC_FILES.flatMap((doc) =>
  proseLines(texts[doc]).flatMap(({ line, number }) =>
    [...line.replace(/`[^`]*`/g, '').matchAll(/!?\[[^\]]*\]\(([^)\s]+)\)/g)]
      .map((match) => match[1])
      .filter((target) => !/^[a-z][a-z+.-]*:/i.test(target))
      .map((target) => ({ doc, number, target })),
  ),
)

describe('documentation', () => {
  test('lists README.md and the docs folder', () => {
    expect(DOC_FILES).toEqual(expect.arrayContaining(['README.md', 'docs/api.md']))
  })

  test('every relative link names a file that exists, and a heading of it', () => {
    const broken = []
    for (const { doc, number, target } of links) {
      const [file, anchor] = target.split('#')
      const resolved = file === '' ? doc : path.posix.normalize(path.posix.join(path.posix.dirname(doc), file))
      const absolute = path.join(repoRoot, resolved)
      if (!fs.existsSync(absolute)) {
        broken.push(`${doc}:${number}: ${target} (no ${resolved})`)
      } else if (anchor !== undefined && resolved.endsWith('.md')) {
        const text = texts[resolved] ?? fs.readFileSync(absolute, 'utf8')
        if (!anchorsOf(text).has(anchor)) broken.push(`${doc}:${number}: ${target} (no heading #${anchor} in ${resolved})`)
      }
    }
    expect(broken).toEqual([])
  })
})

describe('documentation snippets', () => {
  let root
  let redis
  beforeAll(async () => {
    redis = await startRedis()
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'pp-docs-'))
    fs.mkdirSync(path.join(root, 'node_modules'))
    fs.symlinkSync(repoRoot, path.join(root, 'node_modules', 'parallel-processor'), 'dir')
    // The traces' example uses the OpenTelemetry packages of the development dependencies.
    fs.symlinkSync(path.join(repoRoot, 'node_modules', '@opentelemetry'), path.join(root, 'node_modules', '@opentelemetry'), 'dir')
  })
  afterAll(async () => {
    await redis?.stop()
    if (root) fs.rmSync(root, { recursive: true, force: true })
  })

  test('every JavaScript block starts with a comment naming its file', () => {
    expect(jsBlocks.length).toBeGreaterThan(0)
    const unnamed = jsBlocks.filter((b) => !b.file).map((b) => `${b.doc}:${b.line}: ${b.code.split('\n')[0]}`)
    expect(unnamed).toEqual([])
  })

  test('no example names a file twice, and each has an entry point', () => {
    const problems = []
    for (const { doc, heading, blocks } of examples) {
      const names = blocks.map((b) => b.file)
      const twice = names.filter((name, i) => names.indexOf(name) !== i)
      if (twice.length > 0) problems.push(`${doc} › ${heading}: ${twice.join(', ')} written twice`)
      if (entryPoints(blocks).length === 0) problems.push(`${doc} › ${heading}: no entry point`)
    }
    expect(problems).toEqual([])
  })

  test('the snippets whose output is checked are still there', () => {
    for (const [doc, headings] of Object.entries(expectedOutput)) {
      for (const [heading, files] of Object.entries(headings)) {
        const blocks = examples.find((e) => e.doc === doc && e.heading === heading)?.blocks ?? []
        expect({ doc, heading, entryPoints: entryPoints(blocks).map((b) => b.file) })
          .toEqual({ doc, heading, entryPoints: expect.arrayContaining(Object.keys(files)) })
      }
    }
  })

  describe.each(examples.map(({ doc, heading, blocks }, i) => [`${doc} › ${heading}`, doc, heading, blocks, i]))(
    '%s',
    (_title, doc, heading, blocks, i) => {
      test.each(entryPoints(blocks).map((b) => [b.file]))('node %s exits with 0 and prints no error', async (entry) => {
        const dir = path.join(root, `example-${i}-${path.parse(entry).name}`)
        fs.mkdirSync(dir)
        for (const block of blocks) fs.writeFileSync(path.join(dir, block.file), block.code)
        const run = await runNode([entry], { cwd: dir, env: { REDIS_URL: redis.url } })
        expect({ code: run.code, signal: run.signal, stderr: run.stderr }).toEqual({ code: 0, signal: null, stderr: '' })
        for (const expected of expectedOutput[doc]?.[heading]?.[entry] ?? []) expect(run.stdout).toContain(expected)
      })
    },
  )
})
