// The layering of liqo-topology as an ESLint rule (layers/import-direction): which folder of src/
// may import which, so that imports only go down. docs/architecture.md explains the layers.
import {existsSync, readFileSync} from 'node:fs'
import {dirname, relative, resolve, sep} from 'node:path'

import ts from 'typescript'

/** Each layer, bottom up, with the layers below it that it may import. A layer may import itself. */
export const LAYERS = {
  toolkit: [],
  model: ['toolkit'],
  k8s: ['toolkit', 'model'],
  liqo: ['toolkit', 'model', 'k8s'],
  wait: ['toolkit', 'model', 'k8s', 'liqo'],
  services: ['toolkit', 'model', 'k8s', 'liqo', 'wait'],
  render: ['toolkit', 'model', 'liqo', 'wait', 'services'],
  ui: ['toolkit', 'render'],
  flows: ['toolkit', 'model', 'k8s', 'liqo', 'wait', 'services', 'render', 'ui'],
  cli: ['toolkit', 'model', 'k8s', 'liqo', 'services', 'render', 'ui', 'flows'],
  commands: ['toolkit', 'model', 'k8s', 'liqo', 'services', 'render', 'ui', 'flows', 'cli'],
  // The lab is a wing of its own: it plays Liqo against real API servers, beside the CLI.
  lab: ['toolkit', 'model', 'k8s', 'liqo'],
}

/** The lab's own glue: the only files outside src/lab/ that may import it. */
const LAB_GLUE = [/^commands\/lab\//, /^src\/cli\/lab-[^/]+\.ts$/, /^src\/render\/lab\.ts$/]

/** The layer of a file (relative to the project root, with /), or undefined outside src/ and commands/. */
export function layerOf(file) {
  const parts = file.split('/')
  if (parts[0] === 'commands') return 'commands'
  if (parts[0] === 'src' && parts.length > 2 && parts[1] in LAYERS) return parts[1]
  return undefined
}

/** Why `from` may not import `to` (both relative to the root), or undefined when it may. */
export function violation(from, to) {
  const a = layerOf(from)
  const b = layerOf(to)
  if (!a || !b) return undefined
  if (a === 'services' && b === 'services' && from !== to)
    return 'services do not import each other: move the shared step down (k8s/, liqo/ or wait/)'
  if (a === b) return undefined
  if (b === 'lab')
    return LAB_GLUE.some((re) => re.test(from))
      ? undefined
      : 'only the lab commands and their glue (src/cli/lab-*.ts, src/render/lab.ts) import the lab'
  if (LAYERS[a].includes(b)) return undefined
  return LAYERS[a].length ? `${a}/ may import only ${LAYERS[a].join(', ')}` : `${a}/ imports nothing of ours`
}

const rule = {
  meta: {type: 'problem', docs: {description: 'imports go down the layers of docs/architecture.md'}, schema: []},
  create(context) {
    const root = context.cwd
    const file = relative(root, context.filename).split(sep).join('/')
    if (!layerOf(file)) return {}
    const check = (node, source) => {
      const spec = source && source.value
      if (typeof spec !== 'string' || !spec.startsWith('.')) return
      const target = relative(root, resolve(dirname(context.filename), spec))
        .split(sep)
        .join('/')
        .replace(/\.js$/, '.ts')
      const why = violation(file, target)
      if (why) context.report({node, message: `${file} may not import ${target}: ${why}`})
    }
    return {
      ImportDeclaration: (node) => check(node, node.source),
      ExportNamedDeclaration: (node) => check(node, node.source),
      ExportAllDeclaration: (node) => check(node, node.source),
      ImportExpression: (node) => check(node, node.source),
    }
  },
}

/** A file's imports of our own files (relative specifiers, type imports included), as absolute .ts paths. */
const importsOf = new Map()
function ownImports(file) {
  let out = importsOf.get(file)
  if (out) return out
  out = []
  if (existsSync(file)) {
    const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true)
    for (const {fileName} of info.importedFiles) {
      if (!fileName.startsWith('.')) continue
      const target = resolve(dirname(file), fileName).replace(/\.js$/, '.ts')
      if (existsSync(target)) out.push(target)
    }
  }
  importsOf.set(file, out)
  return out
}

/** A path of imports from `start` back to `file`, if there is one (depth first). */
function cycleThrough(file, start) {
  const seen = new Set()
  const walk = (at, path) => {
    if (at === file) return path
    if (seen.has(at)) return undefined
    seen.add(at)
    for (const next of ownImports(at)) {
      const found = walk(next, [...path, next])
      if (found) return found
    }
    return undefined
  }
  return walk(start, [start])
}

const noCycle = {
  meta: {type: 'problem', docs: {description: 'no import circles between our own files'}, schema: []},
  create(context) {
    const root = context.cwd
    const self = context.filename
    if (!layerOf(relative(root, self).split(sep).join('/'))) return {}
    const name = (f) => relative(root, f).split(sep).join('/')
    const check = (node, source) => {
      const spec = source && source.value
      if (typeof spec !== 'string' || !spec.startsWith('.')) return
      const target = resolve(dirname(self), spec).replace(/\.js$/, '.ts')
      const path = cycleThrough(self, target)
      if (path)
        context.report({
          node,
          message:
            `import circle: ${[self, ...path].map(name).join(' → ')}; ` + 'move what both need into a file of its own',
        })
    }
    return {
      ImportDeclaration: (node) => check(node, node.source),
      ExportNamedDeclaration: (node) => check(node, node.source),
      ExportAllDeclaration: (node) => check(node, node.source),
    }
  },
}

export default {rules: {'import-direction': rule, 'no-cycle': noCycle}}
