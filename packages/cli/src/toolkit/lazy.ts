/**
 * Libraries loaded on demand (prompts, spinners, the board, the Kubernetes client for credential
 * plugins). Call sites pass the import as a thunk, so that the bundler still sees each literal
 * specifier; the start-up snapshot (packages/launcher), whose code cannot run import(), installs
 * a loader that imports the same specifier from the installed package instead.
 */
type Loader = (specifier: string) => Promise<unknown>

const HOOK = '__liqoTopologyImport'

export function lazyImport<T>(specifier: string, thunk: () => Promise<T>): Promise<T> {
  const hook = (globalThis as Record<string, unknown>)[HOOK] as Loader | undefined
  return hook ? (hook(specifier) as Promise<T>) : thunk()
}

/** Installs the loader used instead of import() (by the snapshot's start-up only). */
export function setLazyLoader(loader: Loader): void {
  ;(globalThis as Record<string, unknown>)[HOOK] = loader
}
