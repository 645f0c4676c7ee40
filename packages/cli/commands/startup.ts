/**
 * What the start-up snapshot (packages/launcher, @liqo-topology/launcher) takes of the CLI: its one
 * way in, `liqo-topology/startup` in package.json "exports". The commands it loads into the heap (all
 * but the lab's), the not-found hook, which it runs itself (oclif would import() the hook's file, and
 * code in a snapshot cannot), whether the lab plugin is installed, the seam through which libraries
 * load on demand (toolkit/lazy.ts), and the kubeconfig parsing it compiles ahead of a run.
 */
export {CORE_COMMANDS} from './core.js'
export {default as notFound} from '../src/cli/not-found.js'
export {installed, LAB_PLUGIN, withInstalledPlugins} from '../src/cli/plugins.js'
export {mergeKubeconfigs, parseKubeconfig, resolveTarget} from '../src/k8s/kubeconfig.js'
export {setLazyLoader} from '../src/toolkit/lazy.js'
