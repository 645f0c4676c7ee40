// The rules that code loaded into the start-up snapshot must follow (docs/architecture.md,
// "Start-up"), as ESLint rules, so that a file breaking one fails the lint rather than the
// snapshot's build or, worse, a user's run from a blob that captured a build machine's state:
// - snapshot/no-load-time-reads: nothing reads the environment, the terminal, the home folder or
//   the clock while the module loads (only once a command runs, inside a function);
// - snapshot/lazy-import-only: import() of a library appears only as the thunk given to lazyImport(),
//   with the same literal specifier, which the snapshot's start-up replaces by a run-time loader (an
//   import() of one of our own modules is bundled in place by esbuild, and may stay).
// The third rule, no top-level import of node:http, node:https or node:tls (k8s/net.ts loads them
// on first use), is ESLint's own no-restricted-imports (eslint.config.js).

/** What reads the machine or the run: `process.<anything>`, the clock, the home folder. */
const READS = {
  objects: new Set(['process', 'performance']),
  calls: new Set(['homedir', 'userInfo', 'hostname', 'tmpdir', 'cwd']),
}

const FUNCTIONS = new Set(['FunctionDeclaration', 'FunctionExpression', 'ArrowFunctionExpression'])

/** Whether a node runs only when called: inside a function, or an instance field (run by the constructor). */
function deferred(node) {
  for (let n = node.parent; n; n = n.parent) {
    if (FUNCTIONS.has(n.type)) return true
    if ((n.type === 'PropertyDefinition' || n.type === 'AccessorProperty') && !n.static && n.value && n !== node)
      return true
    if (n.type === 'StaticBlock') return false
  }
  return false
}

const noLoadTimeReads = {
  meta: {
    type: 'problem',
    docs: {description: 'nothing reads the environment, terminal, home or clock while a snapshot module loads'},
    schema: [],
  },
  create(context) {
    const report = (node, what) =>
      context.report({
        node,
        message:
          `${what} is read while the module loads, and the start-up snapshot would keep the build machine's ` +
          `value: read it inside a function, when a command runs`,
      })
    return {
      Identifier(node) {
        if (!READS.objects.has(node.name) || deferred(node)) return
        const p = node.parent
        // A property named `process` (x.process) or a declaration of one is not the global.
        if (p.type === 'MemberExpression' && p.property === node && !p.computed) return
        if (p.type === 'Property' && p.key === node && !p.computed) return
        if (p.type.startsWith('TS')) return
        if (context.sourceCode.getScope(node).references.some((r) => r.identifier === node && r.resolved)) return
        report(node, `\`${node.name}\``)
      },
      'CallExpression, NewExpression'(node) {
        if (deferred(node)) return
        const c = node.callee
        const name =
          c.type === 'Identifier' ? c.name : c.type === 'MemberExpression' && !c.computed ? c.property.name : ''
        if (c.type === 'Identifier' && c.name === 'Date' && node.type === 'NewExpression')
          report(node, 'the clock (`new Date()`)')
        else if (c.type === 'MemberExpression' && c.object.type === 'Identifier' && c.object.name === 'Date')
          report(node, 'the clock (`Date.now()`)')
        else if (node.type === 'CallExpression' && READS.calls.has(name)) report(node, `\`${name}()\``)
      },
    }
  },
}

const lazyImportOnly = {
  meta: {
    type: 'problem',
    docs: {description: 'import() only as the thunk of lazyImport(), which the snapshot replaces'},
    schema: [],
  },
  create(context) {
    return {
      ImportExpression(node) {
        if (node.source.type === 'Literal' && String(node.source.value).startsWith('.')) return
        const thunk = node.parent
        const call = thunk && thunk.parent
        const ok =
          thunk.type === 'ArrowFunctionExpression' &&
          thunk.body === node &&
          call.type === 'CallExpression' &&
          call.callee.type === 'Identifier' &&
          call.callee.name === 'lazyImport' &&
          call.arguments[1] === thunk &&
          call.arguments[0].type === 'Literal' &&
          node.source.type === 'Literal' &&
          call.arguments[0].value === node.source.value
        if (!ok)
          context.report({
            node,
            message:
              "the start-up snapshot cannot run import(): load a library with lazyImport('<specifier>', () => " +
              "import('<specifier>')) (toolkit/lazy.ts)",
          })
      },
    }
  },
}

export default {rules: {'no-load-time-reads': noLoadTimeReads, 'lazy-import-only': lazyImportOnly}}
