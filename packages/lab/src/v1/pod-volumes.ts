/**
 * The volumes of a pod that the host kubelet runs, made as directories under the pod's own folder,
 * as the kubelet makes them: emptyDir, secret, configMap, downwardAPI and projected (service-account
 * token from the TokenRequest API, the kube-root-ca.crt ConfigMap, the namespace), with the file
 * modes and fsGroup the spec asks for. Service-account tokens are renewed at 80% of their lifetime.
 * Files are replaced by rename, so a process that has the directory mounted sees the new content.
 */
import {chmodSync, chownSync, mkdirSync, renameSync, writeFileSync} from 'node:fs'
import {dirname, join} from 'node:path'

import {ApiError} from 'liqo-topology/toolkit/errors'
import type {Json, KubeClient} from 'liqo-topology/k8s/client'
import {fieldValue, resourceValue, type PodFacts, type Resolved} from './pod-spec.js'

export interface VolumeFile {
  /** Path inside the volume. */
  path: string
  content: Buffer
  mode: number
}

export interface PreparedVolumes {
  /** Volume name → directory on the host. */
  dirs: Map<string, string>
  /** Stops the token renewals. */
  close(): void
}

const DEFAULT_MODE = 0o644
const TOKEN_SECONDS = 3607

/** /api/v1/namespaces/<ns>/<plural>/<name>, each part escaped. */
function corePath(namespace: string, plural: string, name: string): string {
  return `/api/v1/namespaces/${encodeURIComponent(namespace)}/${plural}/${encodeURIComponent(name)}`
}

/** Reads a Secret's or ConfigMap's keys as bytes; undefined when it does not exist. */
export async function readKeys(
  client: KubeClient,
  kind: 'secret' | 'configMap',
  namespace: string,
  name: string,
): Promise<Record<string, Buffer> | undefined> {
  const obj = await client.getOrNull<Json>(corePath(namespace, kind === 'secret' ? 'secrets' : 'configmaps', name))
  if (!obj) return undefined
  const out: Record<string, Buffer> = {}
  if (kind === 'secret') {
    for (const [k, v] of Object.entries((obj.data ?? {}) as Record<string, string>)) out[k] = Buffer.from(v, 'base64')
  } else {
    for (const [k, v] of Object.entries((obj.data ?? {}) as Record<string, string>)) out[k] = Buffer.from(v, 'utf8')
    for (const [k, v] of Object.entries((obj.binaryData ?? {}) as Record<string, string>))
      out[k] = Buffer.from(v, 'base64')
  }
  return out
}

/** The files of a key source (secret or configMap), honouring `items` and modes. */
export function keyFiles(data: Record<string, Buffer>, source: Json, defaultMode: number): Resolved<VolumeFile[]> {
  const items = (source.items ?? []) as Json[]
  if (!items.length)
    return {ok: true, value: Object.entries(data).map(([k, content]) => ({path: k, content, mode: defaultMode}))}
  const files: VolumeFile[] = []
  for (const it of items) {
    const content = data[it.key]
    if (content === undefined) {
      if (source.optional) continue
      return {ok: false, reason: 'CreateContainerConfigError', message: `couldn't find key ${it.key} in ${source.name}`}
    }
    files.push({path: String(it.path), content, mode: it.mode ?? defaultMode})
  }
  return {ok: true, value: files}
}

/** The files of a downwardAPI source. */
export function downwardFiles(pod: Json, source: Json, facts: PodFacts, defaultMode: number): VolumeFile[] {
  return ((source.items ?? []) as Json[]).map((it) => {
    let value = ''
    if (it.fieldRef) {
      const path = String(it.fieldRef.fieldPath)
      const map = /^metadata\.(labels|annotations)$/.exec(path)
      value = map
        ? Object.entries((pod.metadata?.[map[1]!] ?? {}) as Record<string, string>)
            .sort(([a], [b]) => a.localeCompare(b))
            .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
            .join('\n')
        : (fieldValue(pod, path, facts) ?? '')
    } else if (it.resourceFieldRef) {
      const c = ((pod.spec?.containers ?? []) as Json[]).find((x) => x.name === it.resourceFieldRef.containerName) ?? {}
      value = resourceValue(c, it.resourceFieldRef, facts)
    }
    return {path: String(it.path), content: Buffer.from(value), mode: it.mode ?? defaultMode}
  })
}

/** Writes files into a volume directory, each replaced atomically; group is fsGroup when given. */
export function writeVolumeFiles(dir: string, files: VolumeFile[], fsGroup?: number): void {
  for (const f of files) {
    if (f.path.split('/').includes('..') || f.path.startsWith('/'))
      throw new Error(`volume file path ${f.path} leaves its volume`)
    const target = join(dir, f.path)
    mkdirSync(dirname(target), {recursive: true})
    const tmp = `${target}.${process.pid}.tmp`
    writeFileSync(tmp, f.content)
    const mode = fsGroup === undefined ? f.mode : f.mode | 0o040
    chmodSync(tmp, mode)
    if (fsGroup !== undefined) chownSync(tmp, 0, fsGroup)
    renameSync(tmp, target)
  }
}

interface TokenSource {
  path: string
  expirationSeconds: number
  audience?: string
  mode: number
}

/** A token for the pod's service account, bound to the pod (the TokenRequest API). */
async function requestToken(client: KubeClient, pod: Json, t: TokenSource): Promise<{token: string; ttlMs: number}> {
  const md = pod.metadata ?? {}
  const sa = pod.spec?.serviceAccountName ?? 'default'
  const res = await client.create<Json>(`${corePath(md.namespace, 'serviceaccounts', sa)}/token`, {
    apiVersion: 'authentication.k8s.io/v1',
    kind: 'TokenRequest',
    spec: {
      ...(t.audience ? {audiences: [t.audience]} : {}),
      expirationSeconds: t.expirationSeconds,
      boundObjectRef: {apiVersion: 'v1', kind: 'Pod', name: md.name, uid: md.uid},
    },
  })
  const exp = Date.parse(res.status?.expirationTimestamp ?? '')
  return {
    token: String(res.status?.token ?? ''),
    ttlMs: Number.isFinite(exp) ? exp - Date.now() : t.expirationSeconds * 1000,
  }
}

/** Everything a projected volume holds, plus the token sources to renew. */
async function projectedFiles(
  client: KubeClient,
  pod: Json,
  vol: Json,
  facts: PodFacts,
): Promise<Resolved<{files: VolumeFile[]; tokens: TokenSource[]}>> {
  const ns = pod.metadata?.namespace ?? 'default'
  const defaultMode = vol.projected.defaultMode ?? DEFAULT_MODE
  const files: VolumeFile[] = []
  const tokens: TokenSource[] = []
  for (const src of (vol.projected.sources ?? []) as Json[]) {
    if (src.serviceAccountToken) {
      const t = src.serviceAccountToken
      tokens.push({
        path: String(t.path),
        expirationSeconds: t.expirationSeconds ?? TOKEN_SECONDS,
        ...(t.audience ? {audience: t.audience} : {}),
        mode: defaultMode,
      })
    } else if (src.configMap || src.secret) {
      const kind = src.configMap ? 'configMap' : 'secret'
      const ref = src.configMap ?? src.secret
      const data = await readKeys(client, kind, ns, ref.name)
      if (!data) {
        if (ref.optional) continue
        return {
          ok: false,
          reason: 'ContainerCreating',
          message: `MountVolume.SetUp failed for volume "${vol.name}": ${kind} "${ref.name}" not found`,
        }
      }
      const r = keyFiles(data, ref, defaultMode)
      if (!r.ok) return r
      files.push(...r.value)
    } else if (src.downwardAPI) {
      files.push(...downwardFiles(pod, src.downwardAPI, facts, defaultMode))
    }
  }
  return {ok: true, value: {files, tokens}}
}

/** The files (and tokens to keep fresh) one volume holds; emptyDir holds none. */
async function volumeContent(
  client: KubeClient,
  pod: Json,
  vol: Json,
  facts: PodFacts,
): Promise<Resolved<{files: VolumeFile[]; tokens: TokenSource[]}>> {
  const none = {ok: true as const, value: {files: [], tokens: []}}
  if (vol.emptyDir) return none
  if (vol.secret || vol.configMap) {
    const kind = vol.secret ? 'secret' : 'configMap'
    const ref = vol.secret ?? vol.configMap
    const name = ref.secretName ?? ref.name
    const data = await readKeys(client, kind, pod.metadata?.namespace ?? 'default', name)
    if (!data) {
      if (ref.optional) return none
      return {
        ok: false,
        reason: 'ContainerCreating',
        message: `MountVolume.SetUp failed for volume "${vol.name}": ${kind} "${name}" not found`,
      }
    }
    const r = keyFiles(data, {...ref, name}, ref.defaultMode ?? DEFAULT_MODE)
    return r.ok ? {ok: true, value: {files: r.value, tokens: []}} : r
  }
  if (vol.downwardAPI)
    return {
      ok: true,
      value: {
        files: downwardFiles(pod, vol.downwardAPI, facts, vol.downwardAPI.defaultMode ?? DEFAULT_MODE),
        tokens: [],
      },
    }
  if (vol.projected) return projectedFiles(client, pod, vol, facts)
  const kind = Object.keys(vol).find((k) => k !== 'name') ?? 'unknown'
  return {
    ok: false,
    reason: 'CreateContainerConfigError',
    message: `the lab's host kubelet does not support ${kind} volumes (volume "${vol.name}")`,
  }
}

/**
 * Makes every volume of the pod under `podDir/volumes/<name>`. A missing Secret or ConfigMap is
 * reported (the caller retries, as the kubelet does); unsupported volume types are refused.
 */
export async function prepareVolumes(
  client: KubeClient,
  pod: Json,
  podDir: string,
  facts: PodFacts,
  onError: (e: unknown) => void,
): Promise<Resolved<PreparedVolumes>> {
  const fsGroup: number | undefined = pod.spec?.securityContext?.fsGroup
  const dirs = new Map<string, string>()
  const timers: NodeJS.Timeout[] = []
  const close = () => timers.splice(0).forEach((t) => clearTimeout(t))
  for (const vol of (pod.spec?.volumes ?? []) as Json[]) {
    const dir = join(podDir, 'volumes', String(vol.name))
    mkdirSync(dir, {recursive: true, mode: 0o755})
    dirs.set(String(vol.name), dir)
    if (vol.emptyDir) {
      chmodSync(dir, fsGroup === undefined ? 0o777 : 0o2777)
      if (fsGroup !== undefined) chownSync(dir, 0, fsGroup)
    }
    const content = await volumeContent(client, pod, vol, facts)
    if (!content.ok) {
      close()
      return content
    }
    writeVolumeFiles(dir, content.value.files, fsGroup)
    for (const t of content.value.tokens) {
      const renew = async (): Promise<void> => {
        const {token, ttlMs} = await requestToken(client, pod, t)
        writeVolumeFiles(dir, [{path: t.path, content: Buffer.from(token), mode: t.mode}], fsGroup)
        const timer = setTimeout(
          () =>
            renew().catch((e) => {
              onError(e)
              // Try again soon: the token in place is still valid for a while.
              if (!(e instanceof ApiError && e.isNotFound))
                timers.push(setTimeout(() => void renew().catch(onError), 10_000))
            }),
          Math.max(ttlMs * 0.8, 1_000),
        )
        timer.unref()
        timers.push(timer)
      }
      await renew()
    }
  }
  return {ok: true, value: {dirs, close}}
}
