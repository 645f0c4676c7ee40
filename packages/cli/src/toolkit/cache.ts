/**
 * liqo-topology's cache directory ($LIQO_TOPOLOGY_CACHE, else $XDG_CACHE_HOME/liqo-topology, else
 * ~/.cache/liqo-topology) and small JSON files kept in it. The cache only ever saves work: a file
 * that is missing, unreadable or not valid JSON reads as absent, and one that cannot be written
 * (read-only home, full disk) is skipped without a word.
 */
import {mkdirSync, readFileSync, renameSync, rmSync, writeFileSync} from 'node:fs'
import {homedir} from 'node:os'
import {join} from 'node:path'

export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  return env.LIQO_TOPOLOGY_CACHE || join(env.XDG_CACHE_HOME || join(env.HOME || homedir(), '.cache'), 'liqo-topology')
}

export function readCached(name: string, env: NodeJS.ProcessEnv = process.env): unknown {
  try {
    return JSON.parse(readFileSync(join(cacheRoot(env), name), 'utf8')) as unknown
  } catch {
    return undefined
  }
}

/** Replaces the file at once (a temporary file renamed over it): a reader never sees half of it. */
export function writeCached(name: string, value: unknown, env: NodeJS.ProcessEnv = process.env): void {
  const dir = cacheRoot(env)
  const tmp = join(dir, `.${name}.${process.pid}.tmp`)
  try {
    mkdirSync(dir, {recursive: true})
    writeFileSync(tmp, `${JSON.stringify(value)}\n`, {mode: 0o600})
    renameSync(tmp, join(dir, name))
  } catch {
    rmSync(tmp, {force: true})
  }
}
