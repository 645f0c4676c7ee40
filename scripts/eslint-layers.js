// The layering of liqo-topology as an ESLint rule (layers/import-direction): which folder of the
// CLI's src/ may import which, so that imports only go down, and how the packages may import each
// other: the lab (packages/lab) the CLI only through the CLI's exports, the launcher
// (packages/launcher) the CLI only through liqo-topology/startup, the CLI neither of them.
// docs/architecture.md explains the layers and the packages.
import {existsSync, readFileSync} from 'node:fs'
import {dirname, relative, resolve, sep} from 'node:path'

import ts from 'typescript'

/** Each layer of the CLI (packages/cli), bottom up, with the layers below it that it may import (and itself). */
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
}

const CLI = 'packages/cli/'
const LAB = 'packages/lab/'
const LAUNCHER = 'packages/launcher/'
/** The lab's npm name: an optional oclif plugin of the CLI, which the CLI's code never imports. */
const LAB_NAME = '@liqo-topology/lab'
/**
 * The launcher's npm name: the CLI's start-up snapshot, which the CLI's build bundles into the CLI's
 * package (scripts/bundle.mjs, by design); the CLI's code (src/, commands/) and the lab never import it.
 */
const LAUNCHER_NAME = '@liqo-topology/launcher'
/** The CLI's npm name, and what of its exports (package.json) each part of the lab may import. */
const CLI_NAME = 'liqo-topology'
const LAB_MAY_IMPORT = {
  // The lab itself (packages/lab/src): Kubernetes, the model, the toolkit and what names Liqo's objects.
  lab: [/^k8s\//, /^model\//, /^toolkit\//, /^liqo\/(constants|nodes|v0)$/],
  // Its commands and their glue (packages/lab/commands, packages/lab/cli): that, and the command base.
  'lab-commands': [/^k8s\//, /^model\//, /^toolkit\//, /^liqo\/(constants|nodes|v0)$/, /^command$/],
  // The launcher's snapshot entry (packages/launcher/src): the one export made for it.
  launcher: [/^startup$/],
}

/**
 * The layer of a file (relative to the workspace root, with /): a layer of the CLI, the lab
 * (packages/lab/src), the lab's commands (packages/lab/commands and cli) or the launcher
 * (packages/launcher/src); undefined elsewhere (tests, bench, scripts).
 */
export function layerOf(file) {
  if (file.startsWith(LAUNCHER)) return file.slice(LAUNCHER.length).startsWith('src/') ? 'launcher' : undefined
  if (file.startsWith(LAB)) {
    const part = file.slice(LAB.length).split('/')[0]
    if (part === 'src') return 'lab'
    if (part === 'commands' || part === 'cli') return 'lab-commands'
    return undefined
  }
  if (!file.startsWith(CLI)) return undefined
  const parts = file.slice(CLI.length).split('/')
  if (parts[0] === 'commands') return 'commands'
  if (parts[0] === 'src' && parts.length > 2 && parts[1] in LAYERS) return parts[1]
  return undefined
}

/** The lab mode a file of packages/lab/src belongs to: the Liqo v0.3 emulator, Liqo v1.2, or neither (shared). */
function labMode(file) {
  const rest = file.slice(`${LAB}src/`.length)
  if (rest.startsWith('emulator/') || rest === 'emulator-lab.ts') return 'emulator'
  if (rest.startsWith('v1/')) return 'v1'
  return undefined
}

const NOT_THE_LAB = `the CLI does not import the lab: the lab is an optional oclif plugin (${LAB_NAME}, packages/lab)`
const NOT_THE_LAUNCHER =
  `the launcher (${LAUNCHER_NAME}, packages/launcher) is not imported: the CLI's build bundles it into the ` +
  'CLI (packages/cli/scripts/bundle.mjs)'
const LAUNCHER_VIA_STARTUP =
  `the launcher imports of the CLI only ${CLI_NAME}/startup ` + '(packages/cli/commands/startup.ts)'

/** The package a file belongs to: the CLI, the lab or the launcher. */
const packageOf = (layer) =>
  layer === 'lab' || layer === 'lab-commands' ? 'lab' : layer === 'launcher' ? 'launcher' : 'cli'
const names = (spec, name) => spec === name || spec.startsWith(`${name}/`)

/** Why `from` may not import the package specifier `spec` (e.g. "liqo-topology/k8s/client"), or undefined. */
export function packageViolation(from, spec) {
  const a = layerOf(from)
  if (!a) return undefined
  const pkg = packageOf(a)
  if (names(spec, LAUNCHER_NAME) && pkg !== 'launcher') return NOT_THE_LAUNCHER
  if (names(spec, LAB_NAME) && pkg !== 'lab')
    return pkg === 'cli' ? NOT_THE_LAB : 'the launcher does not import the lab: it starts the CLI only'
  if (pkg === 'cli' || !names(spec, CLI_NAME)) return undefined
  const sub = spec.slice(CLI_NAME.length + 1)
  if (LAB_MAY_IMPORT[a].some((re) => re.test(sub))) return undefined
  if (pkg === 'launcher') return LAUNCHER_VIA_STARTUP
  return a === 'lab'
    ? 'the lab imports of the CLI only its k8s/, model/, toolkit/ and liqo/{constants,nodes,v0} exports'
    : "the lab's commands import of the CLI only its k8s/, model/, toolkit/, liqo/ and command exports"
}

/** Why `from` may not import `to` (both files relative to the workspace root), or undefined when it may. */
export function violation(from, to) {
  const a = layerOf(from)
  if (!a) return undefined
  if (a === 'launcher') return to.startsWith(LAUNCHER) ? undefined : LAUNCHER_VIA_STARTUP
  if (to.startsWith(LAUNCHER)) return NOT_THE_LAUNCHER
  const lab = a === 'lab' || a === 'lab-commands'
  if (!lab && to.startsWith(LAB)) return NOT_THE_LAB
  if (lab && !to.startsWith(LAB))
    return `the lab imports the CLI only through its exports (${CLI_NAME}/…, packages/cli/package.json)`
  const b = layerOf(to)
  if (!b) return undefined
  if (lab) {
    if (a === 'lab' && b === 'lab-commands') return "the lab's src/ does not import its commands"
    const [m, n] = [labMode(from), labMode(to)]
    return m && n && m !== n
      ? "the lab's two modes do not import each other: move what both need to src/core/"
      : undefined
  }
  if (a === 'services' && b === 'services' && from !== to)
    return 'services do not import each other: move the shared step down (k8s/, liqo/ or wait/)'
  if (a === b) return undefined
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
      if (typeof spec !== 'string') return
      if (!spec.startsWith('.')) {
        const why = packageViolation(file, spec)
        if (why) context.report({node, message: `${file} may not import ${spec}: ${why}`})
        return
      }
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
