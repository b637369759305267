'use strict'

/**
 * ESLint rule `layers/may-require`: what the files of one folder may load.
 * eslint.config.js gives each folder of lib/ its list, so that the tree's
 * rules (above all: a child process never loads the addon) are checked, not
 * just written down. Options: `{ allow, why }`:
 *   allow  paths from the repository's root a relative require or import may
 *          reach: 'lib/shared/' (that folder, at any depth), 'lib/worker/*'
 *          (files directly in it), or one file ('lib/native.js')
 *   why    said in the error, so that whoever meets it knows the reason
 * Node's built-in modules are always allowed; packages never are (the
 * package's own name would load the addon). A `require()` of a computed
 * value (a user's module) cannot be checked and is left alone.
 */
const path = require('node:path')
const { isBuiltin } = require('node:module')

/** Whether `file` (from the root, with '/') is in what `pattern` names. */
function reaches(pattern, file) {
  if (pattern.endsWith('/*')) return path.posix.dirname(file) === pattern.slice(0, -2)
  if (pattern.endsWith('/')) return file.startsWith(pattern)
  return file === pattern
}

/** The file a relative specifier names, from the root: as Node resolves it, else with '.js' added. */
function target(specifier, fromFile, root) {
  const absolute = path.resolve(path.dirname(fromFile), specifier)
  let resolved
  try {
    resolved = require.resolve(absolute)
  } catch {
    resolved = path.extname(absolute) === '' ? `${absolute}.js` : absolute
  }
  return path.relative(root, resolved).split(path.sep).join('/')
}

module.exports = {
  meta: {
    type: 'problem',
    docs: { description: 'Limits what the files of a folder may require or import' },
    schema: [
      {
        type: 'object',
        properties: { allow: { type: 'array', items: { type: 'string' } }, why: { type: 'string' } },
        required: ['allow', 'why'],
        additionalProperties: false,
      },
    ],
    messages: {
      refused: "'{{specifier}}' is out of bounds here: {{why}}",
    },
  },
  create(context) {
    const { allow, why } = context.options[0]
    const root = context.cwd
    const file = context.filename
    function check(node, specifier) {
      if (typeof specifier !== 'string' || isBuiltin(specifier)) return
      const allowed = (specifier.startsWith('./') || specifier.startsWith('../'))
        && allow.some((pattern) => reaches(pattern, target(specifier, file, root)))
      if (!allowed) context.report({ node, messageId: 'refused', data: { specifier, why } })
    }
    const literal = (node) => (node && node.type === 'Literal' ? node.value : undefined)
    return {
      CallExpression(node) {
        if (node.callee.type === 'Identifier' && node.callee.name === 'require') check(node, literal(node.arguments[0]))
      },
      ImportExpression(node) {
        check(node, literal(node.source))
      },
      ImportDeclaration(node) {
        check(node, node.source.value)
      },
    }
  },
}
