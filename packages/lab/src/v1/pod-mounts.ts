/**
 * Where a container's volumes go in the real-Liqo lab's host kubelet: the mount plan of a
 * container's volumeMounts and the shell prologue that makes those mounts inside the pod's
 * namespaces. Pure, as ./pod-spec.ts (the runner, ./container.ts, does the I/O).
 */
import type {Json} from 'liqo-topology/k8s/client'
import type {Resolved} from './pod-spec.js'

export interface MountPlan {
  volume: string
  target: string
  readOnly: boolean
  subPath?: string
}

/** Where the container's volumes go; `/var/run` is `/run` on the host. */
export function mountPlan(container: Json): MountPlan[] {
  return ((container.volumeMounts ?? []) as Json[]).map((m) => ({
    volume: String(m.name),
    target:
      String(m.mountPath)
        .replace(/^\/var\/run\//, '/run/')
        .replace(/\/+$/, '') || '/',
    readOnly: !!m.readOnly,
    ...(m.subPath ? {subPath: String(m.subPath)} : {}),
  }))
}

/** Prefixes under which the runner mounts a private tmpfs first, so that nothing lands on the host. */
export const PRIVATE_ROOTS = ['/tmp', '/run']

/**
 * Where a container finds its binary: the cached build, bound read-only into the container's
 * private /run (the cache itself may sit under a home directory the container's user cannot enter).
 */
export const IMAGE_BIN_DIR = '/run/.lab-image/bin'

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`

/**
 * The shell prologue that runs inside the pod's namespaces before exec'ing the binary: the pod's
 * hostname (its own UTS namespace), then a private tmpfs for each of PRIVATE_ROOTS, filled with
 * the container's bind mounts while still at a staging place (`stage`, a folder of the pod's, so
 * that sources under /tmp stay reachable), and only then moved over /tmp and /run. Volumes on
 * existing host paths outside those roots are bound in place (in this mount namespace only).
 * `exists` tells whether such a target exists (the lab never creates host directories).
 */
export function mountScript(
  mounts: Array<MountPlan & {source: string}>,
  exists: (path: string) => boolean,
  o: {stage: string; hostname?: string},
): Resolved<string> {
  const lines = ['set -e']
  if (o.hostname) lines.push(`hostname ${q(o.hostname)}`)
  const rootOf = (path: string) => PRIVATE_ROOTS.find((r) => path === r || path.startsWith(`${r}/`))
  const staged = (path: string) => {
    const r = rootOf(path)
    return r ? `${o.stage}${path}` : path
  }
  for (const root of PRIVATE_ROOTS) lines.push(`mount -n -t tmpfs -o mode=1777 tmpfs ${q(o.stage + root)}`)
  for (const m of mounts) {
    if (!rootOf(m.target) && !exists(m.target)) {
      return {
        ok: false,
        reason: 'CreateContainerConfigError',
        message:
          `the lab's host kubelet mounts volumes only under ${PRIVATE_ROOTS.join(', ')} or on existing host ` +
          `paths; ${m.target} is neither`,
      }
    }
    const t = staged(m.target)
    // A directory is bound onto a directory, a file (subPath, the image's binary) onto a file.
    lines.push(
      `mkdir -p ${q(t.slice(0, t.lastIndexOf('/')) || '/')}`,
      `if [ -d ${q(m.source)} ]; then mkdir -p ${q(t)}; else touch ${q(t)}; fi`,
    )
    lines.push(`mount -n --bind ${q(m.source)} ${q(t)}`)
    if (m.readOnly) lines.push(`mount -n -o remount,bind,ro ${q(t)}`)
  }
  // A root that holds the staging folder is moved last, so the others are still reachable.
  const order = [...PRIVATE_ROOTS].sort(
    (a, b) => Number(o.stage.startsWith(`${a}/`)) - Number(o.stage.startsWith(`${b}/`)),
  )
  for (const root of order) lines.push(`mount -n --move ${q(o.stage + root)} ${root}`)
  lines.push('exec "$@"')
  return {ok: true, value: lines.join('\n')}
}
