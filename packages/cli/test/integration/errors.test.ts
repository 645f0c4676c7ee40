/**
 * Bad input and faults, one test per case, against the lab: every error is one or two lines on
 * stderr in kubectl's style with a hint, the documented exit code, no stack trace, no credential,
 * and the cluster unchanged beyond what the command announced. (Cases that apply to both Liqo
 * generations are in both/faults.test.ts; this file holds the transport, auth and v0-only ones.)
 */
import {chmodSync, mkdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {KubeClient} from '../../src/k8s/client.js'
import {loadKubeconfig, resolveTarget} from '../../src/k8s/kubeconfig.js'
import {Reflector, type Change} from '../../src/k8s/reflector.js'
import {fcPath} from '../../src/liqo/constants.js'
import {
  apiPort,
  bareCluster,
  kubeconfigAs,
  kubeconfigVia,
  labCtl,
  partitionProxy,
  silentServer,
  startApiServer,
  stopApiServer,
  type BareCluster,
} from '../helpers/faults.js'
import {
  admin,
  auditEvents,
  budget,
  cli,
  collect,
  kubectl,
  lab,
  labState,
  offloadedNamespace,
  podClusters,
  podOn,
  restorePeerings,
  skipNote,
  startCli,
  startCliOnTty,
  uniqueName,
  until,
  type OffloadedNamespace,
} from '../helpers/lab.js'

/** One or two lines, kubectl style, no stack trace. */
function expectCleanError(stderr: string): void {
  const lines = stderr
    .trimEnd()
    .split('\n')
    .filter((l) => !/^(Waiting|waiting|step \d|Warning: lost|connection to)/.test(l))
  const tail = lines.slice(-2)
  expect(tail[0]).toMatch(/^(error: |Error from server \()/)
  if (tail[1] !== undefined && !/^(error: |Error from server)/.test(tail[1])) expect(tail[1]).toMatch(/^hint: /)
  expect(stderr).not.toMatch(/\n\s+at .*\(.*:\d+:\d+\)/)
}

function fcSetting(name: string): Promise<string> {
  return kubectl(['get', 'foreignclusters', name, '-o', 'jsonpath={.spec.outgoingPeeringEnabled}']).then(
    (r) => r.stdout,
  )
}

describe.skipIf(!lab)(`bad input${skipNote}`, () => {
  it('a cluster given by its cluster name when the ForeignCluster is named by its ID (LAN discovery)', async () => {
    const c = await admin()
    const id = '5f1d7a2e-0000-4000-8000-00000000e001'
    await c.create(fcPath(), {
      apiVersion: 'discovery.liqo.io/v1alpha1',
      kind: 'ForeignCluster',
      metadata: {name: id, labels: {'discovery.liqo.io/cluster-id': id, 'discovery.liqo.io/discovery-type': 'LAN'}},
      spec: {
        clusterIdentity: {clusterID: id, clusterName: 'edge-1'},
        foreignAuthUrl: 'https://10.0.0.9:443',
        outgoingPeeringEnabled: 'No',
      },
    })
    try {
      for (const input of ['edge-1', id, id.toUpperCase()]) {
        const r = await cli(['peer', 'disable', input, '--yes'])
        expect(r.code, r.stderr).toBe(0)
        expect(r.stderr).toMatch(/outgoing peering to edge-1 already disabled/)
      }
    } finally {
      await c.delete(fcPath(id))
    }
  })

  it('a kubeconfig path that does not exist', async () => {
    const r = await cli(['peer', 'list', '--kubeconfig', '/nonexistent/kubeconfig'])
    expect(r.code).toBe(1)
    expectCleanError(r.stderr)
    expect(r.stderr).toMatch(/^error: kubeconfig "\/nonexistent\/kubeconfig" does not exist$/m)
  })

  it('no kubeconfig at all', async () => {
    const home = join(lab!.dir, 'empty-home')
    mkdirSync(home, {recursive: true})
    const r = await cli(['pods', 'where'], {kubeconfig: null, env: {HOME: home}})
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/^error: no kubeconfig found \(looked at .*empty-home\/\.kube\/config\)$/m)
    expect(r.stderr).toMatch(/^hint: set KUBECONFIG or pass --kubeconfig/m)
  })

  it('an unreadable or invalid kubeconfig', async () => {
    const bad = join(lab!.dir, 'bad-kubeconfig')
    writeFileSync(bad, 'clusters: [unclosed\n')
    const r = await cli(['peer', 'list', '--kubeconfig', bad])
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/^error: kubeconfig ".*bad-kubeconfig" is not valid YAML/m)
    const dir = join(lab!.dir, 'a-directory')
    mkdirSync(dir, {recursive: true})
    const d = await cli(['peer', 'list', '--kubeconfig', dir])
    expect(d.code).toBe(1)
    expect(d.stderr).toMatch(/is a directory, not a file/)
    if (process.getuid?.() !== 0) {
      const locked = join(lab!.dir, 'locked-kubeconfig')
      writeFileSync(locked, 'apiVersion: v1\n')
      chmodSync(locked, 0o000)
      const l = await cli(['peer', 'list', '--kubeconfig', locked])
      expect(l.stderr).toMatch(/is not readable \(permission denied\)/)
    }
  })

  it('an unknown --context', async () => {
    const r = await cli(['peer', 'list', '--context', 'cluster-9'])
    expect(r.code).toBe(1)
    expectCleanError(r.stderr)
    expect(r.stderr).toMatch(/^error: context "cluster-9" does not exist in the kubeconfig$/m)
    expect(r.stderr).toMatch(/^hint: known contexts: cluster-1, cluster-2, cluster-3, cluster-1-readonly$/m)
  })

  it('invalid flag values and conflicting flags exit 2 with one line', async () => {
    for (const [args, msg] of [
      [['wait', '-n', 'x', '--timeout', 'abc'], /--timeout: invalid duration "abc"/],
      [['pods', 'where', '-o', 'xml'], /Expected --output=xml to be one of: table, wide, json, yaml/],
      [['pods', 'where', '-n', 'x', '-A'], /--namespace=x cannot also be provided when using --all-namespaces/],
      [['peer', 'list', '--request-timeout', '-5'], /invalid duration "-5"/],
      [['pods', 'wher'], /unknown command "pods wher" for "liqo-topology"/],
      [['peer', 'disable'], /missing <cluster>: which ForeignCluster to disable\?/],
    ] as const) {
      const r = await cli([...args])
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2)
      expect(r.stderr).toMatch(msg)
      expectCleanError(r.stderr)
    }
  })
})

describe.skipIf(!lab)(`clusters without the supported Liqo API${skipNote}`, () => {
  let bare: BareCluster
  beforeAll(async () => {
    bare = await bareCluster('no-liqo')
  })
  afterAll(async () => bare?.stop())

  it('a cluster without Liqo: peer commands say so; pods where shows everything local with a warning', async () => {
    const r = await cli(['peer', 'list'], {kubeconfig: bare.kubeconfig})
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/^error: the cluster of context "no-liqo" does not serve the Liqo API/m)
    expect(r.stderr).toMatch(/^hint: is Liqo installed there\?/m)
    const w = await cli(['pods', 'where', '-A'], {kubeconfig: bare.kubeconfig})
    expect(w.code, w.stderr).toBe(0)
    expect(w.stderr).toMatch(/Warning: no Liqo API on context "no-liqo"/)
  })

  it(
    'a Liqo v0.11 release candidate (core.liqo.io/v1alpha1): a clear "not driven" instead of an ' + 'obscure failure',
    async () => {
      const c = await KubeClient.connect(resolveTarget(loadKubeconfig({kubeconfig: bare.kubeconfig})))
      await c.create('/apis/apiextensions.k8s.io/v1/customresourcedefinitions', {
        apiVersion: 'apiextensions.k8s.io/v1',
        kind: 'CustomResourceDefinition',
        metadata: {name: 'foreignclusters.core.liqo.io'},
        spec: {
          group: 'core.liqo.io',
          scope: 'Cluster',
          names: {kind: 'ForeignCluster', plural: 'foreignclusters', singular: 'foreigncluster', shortNames: ['fc']},
          versions: [
            {
              name: 'v1alpha1',
              served: true,
              storage: true,
              schema: {
                openAPIV3Schema: {
                  type: 'object',
                  properties: {spec: {type: 'object', properties: {clusterID: {type: 'string'}}}},
                },
              },
            },
          ],
        },
      })
      await until('core.liqo.io served', 20_000, async () =>
        JSON.stringify(await c.get('/apis')).includes('core.liqo.io'),
      )
      c.close()
      for (const args of [
        ['peer', 'disable', 'milan', '--yes'],
        ['wait', '-n', 'default', '--timeout', '1s'],
        ['cleanup', '-n', 'x', '--yes'],
        ['status'],
      ]) {
        const r = await cli(args, {kubeconfig: bare.kubeconfig})
        expect(r.code, args.join(' ')).toBe(1)
        expect(r.stderr).toMatch(
          /runs the Liqo v0\.11 release-candidate API \(core\.liqo\.io\/v1alpha1\), which liqo-topology does not drive/,
        )
        expect(r.stderr).toMatch(
          /^hint: liqo-topology supports Liqo v0\.3–v0\.10 and v1\.x; upgrade Liqo to a release/m,
        )
      }
    },
  )
})

describe.skipIf(!lab)(`faults${skipNote}`, () => {
  let ns: OffloadedNamespace
  beforeAll(async () => {
    await restorePeerings()
    ns = await offloadedNamespace('it-fault')
  })
  afterAll(async () => {
    // Whatever a test stopped comes back.
    for (const c of ['cluster-1', 'cluster-3']) await startApiServer(c)
    await restorePeerings()
    await ns?.remove()
  })

  it('API server unreachable (connection refused): kubectl-like message, exit 1, quickly', async () => {
    const proxy = await partitionProxy(apiPort())
    proxy.cut()
    try {
      const r = await cli(['peer', 'list'], {kubeconfig: kubeconfigVia(proxy.port)})
      expect(r.code).toBe(1)
      expectCleanError(r.stderr)
      expect(r.stderr).toMatch(
        // eslint-disable-next-line max-len -- a regex literal cannot be split
        /^error: (The connection to the server 127\.0\.0\.1:\d+ was refused - did you specify the right host or port\?|Unable to connect to the server 127\.0\.0\.1:\d+: connection reset by peer)$/m,
      )
    } finally {
      await proxy.close()
    }
    const closed = await proxy.port
    const r2 = await cli(['pods', 'where', '-n', ns.name], {kubeconfig: kubeconfigVia(closed)})
    expect(r2.stderr).toMatch(/was refused - did you specify the right host or port\?/)
    expect(r2.stderr).toMatch(/^hint: is the cluster of context "cluster-1" running\?/m)
  })

  it('a server that stops answering: every request times out (not a hang)', async () => {
    const silent = await silentServer()
    try {
      const r = await cli(['peer', 'list', '--request-timeout', '2s'], {kubeconfig: kubeconfigVia(silent.port)})
      // Not a hang: the command ended on its own with exit 1 (the harness ends a hang with SIGKILL,
      // which leaves no exit code), saying it gave up because its request timeout ran out. How soon
      // it ends is a benchmark's business, not an assertion's.
      expect(r.code).toBe(1)
      expect(r.stderr).toMatch(
        /^error: Unable to connect to the server https:\/\/127\.0\.0\.1:\d+: no answer within 2s$/m,
      )
    } finally {
      await silent.close()
    }
  })

  it('TLS verification is honoured as the kubeconfig says; skipping it is warned about', async () => {
    const doc = JSON.parse((await import('node:fs')).readFileSync(lab!.kubeconfig, 'utf8').replace(/^#.*\n/, ''))
    for (const c of doc.clusters) delete c.cluster['certificate-authority-data']
    const noCa = join(lab!.dir, 'kubeconfig-no-ca')
    writeFileSync(noCa, JSON.stringify(doc))
    const r = await cli(['peer', 'list'], {kubeconfig: noCa})
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/TLS certificate verification failed/)
    for (const c of doc.clusters) c.cluster['insecure-skip-tls-verify'] = true
    const insecure = join(lab!.dir, 'kubeconfig-insecure')
    writeFileSync(insecure, JSON.stringify(doc))
    const skipped = await cli(['peer', 'list'], {kubeconfig: insecure})
    expect(skipped.code, skipped.stderr).toBe(0)
    expect(skipped.stderr).toMatch(
      // eslint-disable-next-line max-len -- a regex literal cannot be split
      /^warning: the server certificate of cluster "cluster-1" \(context "cluster-1"\) is not verified: insecure-skip-tls-verify is set in the kubeconfig$/m,
    )
    expect(skipped.stdout).toMatch(/^NAME\s+CLUSTER-ID/)
  })

  it(
    'RBAC: a user who may read but not patch ForeignClusters is told the verb and resource; nothing ' + 'changes',
    async () => {
      const r = await cli(['peer', 'disable', 'cluster-3', '--yes', '--context', 'cluster-1-readonly'])
      expect(r.code).toBe(1)
      expectCleanError(r.stderr)
      expect(r.stderr).toMatch(
        // eslint-disable-next-line max-len -- a regex literal cannot be split
        /forbidden: user "readonly" may not patch foreignclusters\.discovery\.liqo\.io "cluster-3" on context "cluster-1-readonly"/,
      )
      expect(await fcSetting('cluster-3')).toBe('Yes')
    },
  )

  it('RBAC: a user who may delete everything but namespaces: cleanup refuses before deleting anything', async () => {
    const c = await admin()
    const user = uniqueName('cleaner')
    await c.create('/apis/rbac.authorization.k8s.io/v1/clusterroles', {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: {name: user},
      rules: [
        {apiGroups: ['*'], resources: ['*'], verbs: ['get', 'list', 'watch']},
        {apiGroups: ['apps'], resources: ['deployments'], verbs: ['delete']},
        {apiGroups: ['offloading.liqo.io'], resources: ['namespaceoffloadings'], verbs: ['delete']},
        {apiGroups: ['discovery.liqo.io'], resources: ['foreignclusters'], verbs: ['patch']},
      ],
    })
    await c.create('/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: {name: user},
      roleRef: {apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: user},
      subjects: [{apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: user}],
    })
    // admin impersonates the user (kubeconfig `as:`), as an operator would try a role.
    try {
      const r = await cli(['cleanup', '-n', ns.name, '--yes'], {kubeconfig: kubeconfigAs(user)})
      expect(r.code).toBe(1)
      expect(r.stderr).toMatch(new RegExp(`forbidden: user "${user}" may not delete namespaces "${ns.name}"`))
      expect(r.stderr).not.toMatch(/may not delete deployments/)
      expect((await podClusters(ns.name)).length).toBe(3)
      expect((await kubectl(['get', 'namespaceoffloading', 'offloading', '-n', ns.name])).code).toBe(0)
    } finally {
      await c.delete(`/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/${user}`)
      await c.delete(`/apis/rbac.authorization.k8s.io/v1/clusterroles/${user}`)
    }
  })

  it('a conflicting update (409) on the ForeignCluster: retried with a fresh read', async () => {
    const c = await admin()
    // Someone else updates the ForeignCluster between our read and our patch: while our
    // confirmation is on screen. A client impersonating "churner", so that the audit log tells
    // its request from ours.
    const churner = await KubeClient.connect(
      resolveTarget(loadKubeconfig({kubeconfig: kubeconfigAs('churner')}), 'cluster-1'),
    )
    await c.create('/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: {name: 'churner'},
      roleRef: {apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin'},
      subjects: [{apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'churner'}],
    })
    // Our patches of cluster-3's ForeignCluster since `since`, as the API server logged them.
    const ourPatches = (since: number) =>
      auditEvents(since).filter(
        (e) =>
          e.verb === 'patch' &&
          !e.impersonatedUser &&
          e.objectRef?.resource === 'foreignclusters' &&
          e.objectRef.name === 'cluster-3',
      )
    try {
      const since = Date.now()
      const run = startCliOnTty(['peer', 'disable', 'cluster-3', '--no-wait'])
      await until('the confirmation on screen', 30_000, async () =>
        /Disable outgoing peering to "cluster-3"/.test(run.output()),
      )
      // The other writer's change lands (once its binding is in force), then we confirm.
      await until("the other writer's update", 10_000, () =>
        churner.patch(fcPath('cluster-3'), {metadata: {labels: {'example.com/touched': 'yes'}}}).then(
          () => true,
          () => false,
        ),
      )
      run.child.stdin!.write('y\r')
      const r = await run.done
      expect(r.code, r.stdout).toBe(0)
      expect(await fcSetting('cluster-3')).toBe('No')
      // The API server saw our guarded patch conflict (409), then succeed after a fresh read.
      // (Its audit entry is written as the response completes: read until it is there.)
      await until('our patch in the audit log', 10_000, async () =>
        ourPatches(since).some((e) => e.responseStatus?.code === 200),
      )
      expect(ourPatches(since).map((e) => e.responseStatus?.code)).toEqual([409, 200])
    } finally {
      churner.close()
      await c.delete('/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/churner')
      await c.patch(fcPath('cluster-3'), {metadata: {labels: {'example.com/touched': null}}})
      await restorePeerings()
    }
  })

  it(
    'the API server stopped and restarted during peer disable --wait: the watch reconnects and it ' + 'finishes',
    async () => {
      await restorePeerings()
      await podOn(ns.name, 'cluster-3')
      // A budget holds the drain, so the API server goes away while the command is surely waiting.
      const hold = await budget(ns.name, 'hold', 3)
      try {
        const child = startCli(['peer', 'disable', 'cluster-3', '--yes', '--timeout', '90s'])
        const done = collect(child, {timeoutMs: 120_000})
        let err = ''
        child.stderr!.on('data', (d: string) => (err += d))
        await until('the command waits', 30_000, async () => /Waiting for .*still on cluster-3/.test(err))
        expect(err).toMatch(/PodDisruptionBudget .*\/hold allows 0 disruption/)
        await stopApiServer('cluster-1')
        // Back once the command has noticed the outage (its watches broke), not after a guessed pause.
        await until('the command lost the API server', 30_000, async () => /lost the API server/.test(err))
        await startApiServer('cluster-1')
        await until('the command reconnected', 30_000, async () => /connection to .* restored/.test(err))
        await hold.remove()
        const r = await done
        expect(r.code, r.stderr).toBe(0)
        expect(err).toMatch(/lost the API server/)
        expect(r.stdout).toMatch(/Converged in/)
        expect((await podClusters(ns.name)).every((p) => p.cluster === 'cluster-2' && p.ready)).toBe(true)
      } finally {
        await startApiServer('cluster-1')
        await hold.remove()
        await restorePeerings()
      }
    },
  )

  it(
    'a controller manager that lags (stale 3/3 status, a pod gone): the wait counts the pods, not the ' + 'status',
    async () => {
      await restorePeerings()
      await podOn(ns.name, 'cluster-3')
      const onCluster3 = (await podClusters(ns.name)).filter((p) => p.cluster === 'cluster-3').length
      // Without its controller manager, nothing replaces the evicted pod and nothing updates the
      // Deployment's status, which keeps saying 3/3 ready.
      await labCtl('stop', 'cluster-1/kube-controller-manager')
      try {
        const r = await cli(['peer', 'disable', 'cluster-3', '--yes', '--timeout', '10s'])
        expect(r.code).toBe(3)
        expect(r.stderr).toMatch(new RegExp(`replicaset/nginx-deployment-\\w+: ${3 - onCluster3}/3 pods exist`))
      } finally {
        await labCtl('start', 'cluster-1/kube-controller-manager')
        const w = await cli(['wait', '-n', ns.name, '--timeout', '60s'])
        expect(w.code, w.stderr).toBe(0)
        await restorePeerings()
      }
      expect((await podClusters(ns.name)).filter((p) => p.ready)).toHaveLength(3)
    },
  )

  it('the API server stays down during wait: it fails clearly at its timeout (exit 3)', async () => {
    await podOn(ns.name, 'cluster-2')
    const proxy = await partitionProxy(apiPort())
    try {
      const child = startCli(['wait', '-n', ns.name, '--away-from', 'cluster-2', '--timeout', '8s'], {
        kubeconfig: kubeconfigVia(proxy.port),
      })
      const done = collect(child)
      // Cut once the wait is under way (its first lists done), not at a fixed time: on a busy
      // machine the CLI may still be starting after 2.5 s, and a server unreachable from the
      // start is a connection error (exit 1), another case.
      let err = ''
      child.stderr!.on('data', (d: string) => (err += d))
      await until('the wait under way', 30_000, async () => /Waiting for /.test(err))
      proxy.cut()
      const r = await done
      expect(r.code, r.stderr).toBe(3)
      expect(r.stderr).toMatch(/lost the API server .*reconnecting/)
      expect(r.stderr).toMatch(/^error: timed out after 8\.0s waiting for rescheduling/m)
    } finally {
      await proxy.close()
    }
  })

  it('a watch expiring (410 Gone) while cut off: relist and go on without missing a change', async () => {
    const c = await admin()
    const name = uniqueName('it-410')
    await c.create('/api/v1/namespaces', {apiVersion: 'v1', kind: 'Namespace', metadata: {name}})
    const cm = (n: string) => ({apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: n, namespace: name}, data: {}})
    await c.create(`/api/v1/namespaces/${name}/configmaps`, cm('before-1'))
    await c.create(`/api/v1/namespaces/${name}/configmaps`, cm('before-2'))
    const proxy = await partitionProxy(apiPort())
    const viaProxy = await KubeClient.connect(
      resolveTarget(loadKubeconfig({kubeconfig: kubeconfigVia(proxy.port)}), 'cluster-1'),
      {requestTimeoutMs: 5000},
    )
    const seen: Array<Change<string>> = []
    const r = new Reflector(viaProxy, `/api/v1/namespaces/${name}/configmaps`, {
      map: (raw) => String(raw.metadata?.name),
      onError: () => 'retry',
    })
    const ctl = new AbortController()
    const run = r.run(ctl.signal, (changes) => seen.push(...changes))
    try {
      await r.whenSynced()
      const listsBefore = r.lists
      proxy.cut()
      // While the reflector is cut off: one object goes, one comes, and the API server restarts,
      // so that its watch cache no longer holds the reflector's resourceVersion (410 Gone).
      await c.delete(`/api/v1/namespaces/${name}/configmaps/before-1`)
      await c.create(`/api/v1/namespaces/${name}/configmaps`, cm('during'))
      await stopApiServer('cluster-1')
      // Healed as soon as the API server answers: restarting its controllers and waiting until the
      // cluster is whole would only stretch the reflector's back-off, and the test's time with it.
      await startApiServer('cluster-1', {answering: () => proxy.heal()})
      // Cut off, its watch was retried with client-go's back-off (up to 30 s, stretched by up to as
      // much again): back within a minute of the heal, not at once.
      await until(
        'the reflector caught up',
        90_000,
        async () => r.store.has(`${name}/during`) && !r.store.has(`${name}/before-1`),
      )
      expect(r.lists).toBeGreaterThan(listsBefore)
      expect(seen).toContainEqual(expect.objectContaining({type: 'DELETED', key: `${name}/before-1`}))
      expect(seen).toContainEqual(expect.objectContaining({type: 'ADDED', key: `${name}/during`}))
      expect([...r.store.keys()].sort()).toEqual(
        [`${name}/before-2`, `${name}/during`, `${name}/kube-root-ca.crt`].sort(),
      )
      // and it keeps watching
      await c.create(`/api/v1/namespaces/${name}/configmaps`, cm('after'))
      await until('the new object seen', 10_000, async () => r.store.has(`${name}/after`))
    } finally {
      ctl.abort()
      await run.catch(() => {})
      viaProxy.close()
      await proxy.close()
      await startApiServer('cluster-1')
      await c.delete(`/api/v1/namespaces/${name}`)
    }
  })

  it('Ctrl-C during a wait exits 130 and says what state was reached', async () => {
    await podOn(ns.name, 'cluster-2')
    const child = startCli(['wait', '-n', ns.name, '--away-from', 'cluster-2', '--timeout', '60s'])
    const done = collect(child)
    let err = ''
    child.stderr!.on('data', (d: string) => (err += d))
    await until('the wait is running', 20_000, async () => /Waiting for/.test(err))
    child.kill('SIGINT')
    const r = await done
    expect(r.code).toBe(130)
    expect(r.stderr).toMatch(
      // eslint-disable-next-line max-len -- a regex literal cannot be split
      /^error: interrupted while waiting for rescheduling in "it-fault-\w+"; last state: Waiting for .*still on cluster-2/m,
    )
  })

  it('cleanup interrupted with Ctrl-C exits 130; the next run resumes from what is left', async () => {
    await restorePeerings()
    const part = await offloadedNamespace('it-intr', {replicas: 1})
    try {
      const child = startCli(['cleanup', '-n', part.name, '--keep-peering', '--yes'])
      const done = collect(child)
      let err = ''
      child.stderr!.on('data', (d: string) => (err += d))
      await until('step 2 running', 30_000, async () => /step 2\/3/.test(err))
      child.kill('SIGINT')
      const r = await done
      expect(r.code).toBe(130)
      expect(r.stderr).toMatch(/interrupted: cleanup stopped at step [23]\/3/)
      const again = await cli(['cleanup', '-n', part.name, '--keep-peering', '--yes'])
      expect(again.code, again.stderr).toBe(0)
      expect(again.stderr).not.toMatch(/delete deployment/)
      expect((await kubectl(['get', 'namespace', part.name])).stderr).toMatch(/NotFound/)
    } finally {
      if ((await kubectl(['get', 'namespace', part.name])).code === 0) await part.remove()
    }
  })
})

describe.skipIf(!lab)(`security${skipNote}`, () => {
  it('no credential appears in output, errors or DEBUG logs', async () => {
    const tokens = labState().clusters.flatMap((c) => Object.values(c.tokens))
    const runs = [
      await cli(['peer', 'list', '-o', 'json'], {env: {DEBUG: '1'}}),
      await cli(['peer', 'disable', 'cluster-3', '--context', 'cluster-1-readonly', '--yes'], {env: {DEBUG: '1'}}),
      await cli(['pods', 'where', '-n', 'nope'], {env: {DEBUG: '*'}}),
    ]
    const proxy = await partitionProxy(apiPort())
    proxy.cut()
    runs.push(await cli(['peer', 'list'], {kubeconfig: kubeconfigVia(proxy.port), env: {DEBUG: '1'}}))
    await proxy.close()
    for (const r of runs) {
      for (const t of tokens) {
        expect(r.stdout).not.toContain(t)
        expect(r.stderr).not.toContain(t)
      }
    }
  })

  it(
    'an exec credential plugin: its token is used, never printed; a failing plugin is reported in one ' + 'line',
    async () => {
      const dir = join(lab!.dir, 'exec-plugin')
      mkdirSync(dir, {recursive: true})
      const token = labState().clusters[0]!.tokens.admin!
      const ok = join(dir, 'ok.sh')
      writeFileSync(
        ok,
        `#!/bin/sh\necho ` +
          `'{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"${token}"}}'\n`,
        {mode: 0o755},
      )
      const bad = join(dir, 'bad.sh')
      writeFileSync(
        bad,
        `#!/bin/sh\necho 'token=STDOUTSECRET456'\necho 'credentials expired; token=SUPERSECRET123 was revoked' ` +
          `>&2\nexit 1\n`,
        {mode: 0o755},
      )
      const doc = JSON.parse((await import('node:fs')).readFileSync(lab!.kubeconfig, 'utf8').replace(/^#.*\n/, ''))
      const mk = (cmd: string) => {
        for (const u of doc.users)
          u.user = {exec: {apiVersion: 'client.authentication.k8s.io/v1', command: cmd, interactiveMode: 'Never'}}
        const f = join(dir, `kubeconfig-${cmd.split('/').pop()}`)
        writeFileSync(f, JSON.stringify(doc))
        return f
      }
      const good = await cli(['peer', 'list'], {kubeconfig: mk(ok), env: {DEBUG: '1'}})
      expect(good.code, good.stderr).toBe(0)
      expect(good.stdout + good.stderr).not.toContain(token)
      const failed = await cli(['peer', 'list'], {kubeconfig: mk(bad)})
      expect(failed.code).toBe(1)
      expect(failed.stderr).toMatch(/^error: cannot get credentials for user "cluster-1-admin" of context "cluster-1"/m)
      // The plugin's own stderr reaches the user as it wrote it (as with kubectl); its stdout never, nor does our error
      // quote either.
      expect(failed.stderr).toContain('credentials expired')
      expect(failed.stdout + failed.stderr).not.toContain('STDOUTSECRET456')
      expect(
        failed.stderr
          .split('\n')
          .filter((l) => /^(error|hint): /.test(l))
          .join('\n'),
      ).not.toContain('SUPERSECRET123')
    },
  )
})
