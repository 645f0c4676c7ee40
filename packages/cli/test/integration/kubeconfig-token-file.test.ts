/**
 * Conformance with kubectl for a kubeconfig `tokenFile` rotated while `pods where -w` runs: the
 * file is re-read as client-go re-reads it (after its period, or at once after a 401), so the watch
 * carries on with the new token once the old one is revoked. Tokens of two service accounts; the
 * old one is revoked by deleting its service account, and the API server is restarted so that the
 * watch must reconnect. Service accounts stay out of the lab's audit log: the pod created after the
 * revocation, shown by the watch, proves the new token is in use.
 */
import {rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {startApiServer, stopApiServer} from '../helpers/faults.js'
import {kubectlWith, labKube, writeKubeconfig, type LabKube} from '../helpers/kubeconfigs.js'
import {admin, auditEvents, collect, lab, skipNote, startCli, until} from '../helpers/lab.js'

const RBAC = '/apis/rbac.authorization.k8s.io/v1'
const SA = '/api/v1/namespaces/default/serviceaccounts'
const PODS = '/api/v1/namespaces/default/pods'
const pod = (name: string) => ({metadata: {name}, spec: {containers: [{name: 'c', image: 'nginx'}]}})

let k: LabKube

async function tokenOf(sa: string): Promise<string> {
  const c = await admin()
  await c.create(SA, {metadata: {name: sa}}).catch(() => undefined)
  const r = await c.create<{status: {token: string}}>(`${SA}/${sa}/token`, {
    apiVersion: 'authentication.k8s.io/v1',
    kind: 'TokenRequest',
    spec: {expirationSeconds: 3600},
  })
  return r.status.token
}

describe.skipIf(!lab)(`kubeconfig conformance: a rotated tokenFile${skipNote}`, () => {
  beforeAll(async () => {
    k = labKube('kc-tokenfile')
    const c = await admin()
    await c
      .create(`${RBAC}/clusterroles`, {
        metadata: {name: 'it-rot-reader'},
        rules: [{apiGroups: ['*'], resources: ['*'], verbs: ['get', 'list', 'watch']}],
      })
      .catch(() => undefined)
    await c
      .create(`${RBAC}/clusterrolebindings`, {
        metadata: {name: 'it-rot-reader'},
        roleRef: {apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'it-rot-reader'},
        subjects: ['it-rot-a', 'it-rot-b'].map((name) => ({kind: 'ServiceAccount', name, namespace: 'default'})),
      })
      .catch(() => undefined)
  })
  afterAll(async () => {
    // Back up if the test failed while cluster-1's API server was stopped.
    await startApiServer('cluster-1')
    const c = await admin()
    await c.delete(`${RBAC}/clusterrolebindings/it-rot-reader`)
    await c.delete(`${RBAC}/clusterroles/it-rot-reader`)
    await c.delete(`${SA}/it-rot-a`)
    await c.delete(`${SA}/it-rot-b`)
    for (const name of ['it-rot-1', 'it-rot-2']) await c.delete(`${PODS}/${name}`, {gracePeriodSeconds: 0})
    rmSync(k.dir, {recursive: true, force: true})
  })

  it(
    'pods where -w carries on with the new token once the old one is revoked; kubectl reads the same ' + 'file alike',
    async () => {
      const [a, b] = [await tokenOf('it-rot-a'), await tokenOf('it-rot-b')]
      const tokenFile = join(k.dir, 'token')
      writeFileSync(tokenFile, `${a}\n`)
      const kubeconfig = writeKubeconfig(k, 'token-file', {tokenFile})
      const kcBefore = await kubectlWith(kubeconfig, ['get', 'pods', '-n', 'default'])
      expect(kcBefore.code, kcBefore.stderr).toBe(0)

      const c = await admin()
      await c.create(PODS, pod('it-rot-1'))
      const child = startCli(['pods', 'where', '-n', 'default', '-w'], {kubeconfig})
      let out = ''
      let err = ''
      child.stdout!.on('data', (d: Buffer) => (out += d.toString()))
      child.stderr!.on('data', (d: Buffer) => (err += d.toString()))
      const done = collect(child, {timeoutMs: 300_000})
      await until('the first pod, watched with the first token', 30_000, async () => out.includes('it-rot-1'))

      // Rotate: the new token in the file, the old one revoked, the watch made to reconnect.
      writeFileSync(tokenFile, `${b}\n`)
      await c.delete(`${SA}/it-rot-a`)
      await stopApiServer('cluster-1')
      const t1 = Date.now()
      await startApiServer('cluster-1')
      await c.create(PODS, pod('it-rot-2'))
      // The API server answers before its RBAC authorizer has read its caches: the watch, back with the new
      // token, is refused for a moment (403) and must carry on (src/k8s/reflector.ts).
      await until('the second pod, watched with the new token', 80_000, async () => out.includes('it-rot-2')).catch(
        (e: Error) => {
          throw new Error(`${e.message}; the CLI printed:\n${out}\n${err}`)
        },
      )
      child.kill('SIGINT')
      const r = await done
      for (const t of [a, b]) expect(r.stdout + r.stderr).not.toContain(t)
      // Not a 401 storm: the old token was refused a handful of times at most.
      const refused = auditEvents(t1).filter(
        (e) => (e as {userAgent?: string}).userAgent?.startsWith('liqo-topology') && e.responseStatus?.code === 401,
      )
      expect(refused.length).toBeLessThanOrEqual(5)

      // kubectl on the same file: the old token is refused, the file's new one works.
      const kcAfter = await kubectlWith(kubeconfig, ['get', 'pods', '-n', 'default', '-o', 'name'])
      expect(kcAfter.code, kcAfter.stderr).toBe(0)
      expect(kcAfter.stdout).toContain('pod/it-rot-2')
    },
  )
})
