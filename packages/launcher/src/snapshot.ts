/**
 * The start-up snapshot's entry (dist/bundle/snapshot.cjs of the CLI). `node --build-snapshot` runs
 * it once: it loads oclif, every command but the lab's and the configuration's plugins into the heap,
 * which V8 then saves as a blob (snapshot-build.ts builds it, the launcher, ./liqo-topology, picks
 * it). A run deserialises that heap instead of parsing and running the bundle's JavaScript, then runs
 * main() below. It takes of the CLI only what `liqo-topology/startup` exports, and of oclif only its
 * public API; where oclif has no hook for what a run from a snapshot needs, main() replaces a method
 * of oclif's Config (docs/architecture.md, "Start-up"): here, in this package, nowhere in the CLI.
 *
 * What must not be captured at build time is computed again in main(): oclif's configuration is
 * reloaded from the captured plugins (home, shell, XDG directories, environment), and everything of
 * the CLI reads the terminal, colour, environment and clock only when a command runs (the lint's
 * snapshot rules). Code in a snapshot cannot call import(): libraries loaded on demand go through a
 * loader made here at run time (the CLI's toolkit/lazy.ts), and the lab's commands, which start
 * processes from files next to the lab's bundle, run from the plain bundle.
 */
import {existsSync, readFileSync, realpathSync} from 'node:fs'
import {join} from 'node:path'
import {pathToFileURL} from 'node:url'
import v8 from 'node:v8'
import vm from 'node:vm'

import {Config, Errors, flush, handle, run} from '@oclif/core'

import {
  CORE_COMMANDS,
  installed,
  LAB_PLUGIN,
  mergeKubeconfigs,
  notFound,
  parseKubeconfig,
  resolveTarget,
  setLazyLoader,
  withInstalledPlugins,
} from 'liqo-topology/startup'

/** The bundle directory, given by the builder (the blob's key includes it). */
const ROOT = process.env.LIQO_TOPOLOGY_BUNDLE_DIR ?? ''

type Loader = (specifier: string) => Promise<unknown>

/** import(), resolved from the bundle directory as the plain bundle's own imports are. */
function runtimeImport(): Loader {
  // vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER (Node >= 20.12) is flagged experimental: Node
  // warns on its first use, which is not our users' business. Only that warning is dropped.
  const emit = process.emitWarning
  process.emitWarning = ((w: string | Error, ...rest: unknown[]) => {
    if (!String(typeof w === 'string' ? w : w.message).includes('USE_MAIN_CONTEXT_DEFAULT_LOADER'))
      (emit as (...a: unknown[]) => void).call(process, w, ...rest)
  }) as typeof process.emitWarning
  const script = new vm.Script('(s) => import(s)', {
    filename: join(ROOT, 'run.js'),
    importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  })
  return script.runInThisContext() as Loader
}

/** Whether the lab plugin was installed when the snapshot was built (its configuration then holds it). */
let labCaptured = false

async function loadConfig(): Promise<Config> {
  const pjson = withInstalledPlugins(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')), ROOT)
  const config = await Config.load({root: ROOT, pjson})
  labCaptured = config.plugins.has(LAB_PLUGIN)
  const self = config.plugins.get(config.pjson.name) as unknown as {commandCache?: unknown}
  self.commandCache = CORE_COMMANDS
  return config
}

const captured = ROOT ? loadConfig() : undefined

/**
 * Every command that talks to a cluster first parses a kubeconfig, and the YAML parser's functions
 * would be compiled on that first call in every run. Parsing two made-up kubeconfigs here, as
 * kubectl writes them (block style, plain and quoted scalars, a comment) and as JSON (flow style),
 * compiles them into the blob, so that a run's first parse does not compile them (the saving is in
 * docs/benchmarks.md). Pure functions on constant text: nothing of the builder's environment, files
 * or time is read.
 */
function compileKubeconfigParsing(): void {
  const block = [
    '# made up',
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- cluster:',
    '    certificate-authority-data: TFMwdExTMUNSVWRKVGlCRFJWSlVTVVpKUTBGVVJTMHRMUzB0Q2sxSlNVSnZha05EUVZWdFowRjNTVUpC',
    '    server: https://127.0.0.1:6443',
    '  name: made-up',
    'contexts:',
    '- context: {cluster: made-up, user: made-up}',
    "  name: 'made-up'",
    'current-context: made-up',
    'users:',
    '- name: made-up',
    '  user:',
    '    token: "made-up"',
    '',
  ].join('\n')
  const flow = JSON.stringify(
    {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{name: 'made-up', cluster: {server: 'https://127.0.0.1:6443', 'certificate-authority-data': 'TFMw'}}],
      users: [{name: 'made-up', user: {'client-certificate-data': 'TFMw', 'client-key-data': 'TFMw'}}],
      contexts: [{name: 'made-up', context: {cluster: 'made-up', user: 'made-up', namespace: 'default'}}],
      'current-context': 'made-up',
    },
    null,
    2,
  )
  for (const text of [block, flow])
    resolveTarget(mergeKubeconfigs([{file: '/made-up', raw: parseKubeconfig(text, '/made-up')}]))
}

if (ROOT) compileKubeconfigParsing()

function canonical(path: string): string {
  try {
    return realpathSync(path)
  } catch {
    return path
  }
}

async function main(): Promise<void> {
  // The launcher passes the path as it found it (not resolved: that would cost it a process).
  const script = canonical(process.argv[1] ?? '')
  const load = runtimeImport()
  const argv = process.argv.slice(2)
  // The lab's commands, and oclif's help plugin, run from the plain bundle; so does everything
  // under DEBUG (oclif's debug logging reads it when loaded), everything when the lab plugin was
  // installed or removed since the build (the captured plugins would not be the run's), and if this
  // blob was built for a bundle elsewhere (never expected: the blob's key names the bundle).
  if (
    argv[0] === 'lab' ||
    argv[0] === 'help' ||
    process.env.DEBUG ||
    script !== join(ROOT, 'run.js') ||
    installed(LAB_PLUGIN, ROOT) !== labCaptured
  ) {
    await load(pathToFileURL(script).href)
    return
  }
  setLazyLoader(load)
  // The modules that look at the terminal and the environment when loaded (their stand-ins,
  // scripts/late.mjs) may load from now on: in this run, not while the snapshot was built.
  ;(globalThis as Record<string, unknown>).__liqoTopologyRun = true
  // oclif would import() the hook file: the hook is already here. oclif has no way to give a hook
  // as a function, and run() makes a Config of its own from the captured one, so the method is
  // replaced on Config's prototype (this process is the CLI's run, nothing else shares it).
  const runHook = Config.prototype.runHook
  Config.prototype.runHook = async function (
    this: Config,
    event: string,
    opts: Record<string, unknown>,
    ...rest: unknown[]
  ) {
    if (event !== 'command_not_found')
      return (runHook as (...a: unknown[]) => Promise<unknown>).call(this, event, opts, ...rest)
    const exit = (code = 0): never => Errors.exit(code)
    await (notFound as unknown as (this: unknown, o: unknown) => Promise<unknown>).call(
      {config: this, exit},
      {...opts, config: this},
    )
    return {failures: [], successes: []}
  } as typeof runHook
  // oclif reads the user's help colours (<config dir>/theme.json, which few have) with fs.promises,
  // and that one read starts libuv's thread pool (four threads) in a run that needs none. Without
  // that file (and none named in package.json) oclif finds no theme either, so only then is the
  // read skipped. oclif has no setting for that (LIQO_TOPOLOGY_DISABLE_THEME would also drop a theme
  // that exists): the method is replaced on Config's prototype, as runHook above.
  const loadTheme = Config.prototype.loadTheme
  Config.prototype.loadTheme = async function (this: Config) {
    if (!this.pjson.oclif.theme && !existsSync(join(this.configDir, 'theme.json'))) return undefined
    return loadTheme.call(this)
  }
  try {
    // run() reloads the configuration from the captured one: its plugins stay, what comes from
    // the environment (home, shell, directories) is read again now.
    await run(argv, await captured!)
    await flush()
    // Everything is written (stdout and stderr are synchronous on Linux, the only place a snapshot
    // runs; our files are written synchronously); what is left is Node's teardown of the heap and
    // the keep-alive sockets, which the user need not wait for. oclif's error path exits so too.
    process.exit()
  } catch (e) {
    await handle(e as Error)
  }
}

v8.startupSnapshot.setDeserializeMainFunction(() => void main())
