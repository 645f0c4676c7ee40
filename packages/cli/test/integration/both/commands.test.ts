/**
 * Every command against the lab, beyond the tutorial's happy path: output formats, Pending pods,
 * the impact preview, confirmations on a terminal, waits that time out, partial cleanups.
 * One test body for both lab modes (Liqo v0.3 emulator and Liqo v1.2), like the tutorial's.
 */
import {existsSync, mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import yaml from 'js-yaml'
import {afterAll, beforeAll, describe, expect, it, onTestFinished} from 'vitest'

import type {Json} from '../../../src/k8s/client.js'
import {nginxDeploymentBody, untilWatched} from '@liqo-topology/lab/tutorial'
import {
  admin,
  cli,
  cliOnTty,
  clusterId,
  collect,
  kubectl,
  lab,
  offloadedNamespace,
  podClusters,
  podOn,
  skipNote,
  startCli,
  uniqueName,
  until,
  type OffloadedNamespace,
} from '../../helpers/lab.js'
import {
  isV1,
  modeNote,
  onlyCluster,
  restoreOffloading,
  SWITCH,
  switchByKubectl,
  virtualNodeName,
} from '../../helpers/mode.js'

const onlyOn = (cluster: string) => ({
  namespaceMappingStrategy: 'EnforceSameName',
  podOffloadingStrategy: 'Remote',
  clusterSelector: onlyCluster(cluster),
})

describe.skipIf(!lab)(`commands against the lab${modeNote}${skipNote}`, () => {
  let ns: OffloadedNamespace
  beforeAll(async () => {
    await restoreOffloading()
    ns = await offloadedNamespace('it-cmd')
  }, 300_000)
  afterAll(async () => {
    await restoreOffloading()
    await ns?.remove()
  }, 300_000)

  describe('pods where', () => {
    it(
      'remembers the Liqo API each server serves: the next read lists with it at once, without discovery (a ' +
        "server not seen yet: Liqo v1's first)",
      async () => {
        const cache = mkdtempSync(join(tmpdir(), 'liqo-topology-lines-'))
        onTestFinished(() => rmSync(cache, {recursive: true, force: true}))
        const read = () => cli(['pods', 'where', '-n', ns.name, '-v', '6'], {env: {LIQO_TOPOLOGY_CACHE: cache}})
        // "GET /apis 200", from kubectl-style request lines (-v 6).
        const requests = (stderr: string) =>
          stderr
            .split('\n')
            .filter((l) => l.includes('round_trippers.go]'))
            .map((l) => l.replace(/^.*\] (\w+) https?:\/\/[^/]+(\S+) (\d+) .*$/, '$1 $2 $3'))
        const rows = (stdout: string) => stdout.split('\n').map((l) => l.replace(/\s+\S+$/, '')) // without AGE
        const first = await read()
        expect(first.code, first.stderr).toBe(0)
        const second = await read()
        expect(second.code, second.stderr).toBe(0)
        expect(rows(second.stdout)).toEqual(rows(first.stdout))
        expect(rows(first.stdout).length).toBeGreaterThan(3)
        // On v0.x the first read found the v1 kinds not served (404), detected, listed v0's; on v1.x it was right at
        // once.
        expect(requests(first.stderr).includes('GET /apis 200')).toBe(!isV1)
        expect(requests(second.stderr).filter((r) => r === 'GET /apis 200' || r.endsWith(' 404'))).toEqual([])
        // One list of the nodes serves the placement and, on v1, the peerings (virtual nodes ↔ clusters).
        expect(requests(second.stderr).filter((r) => r.startsWith('GET /api/v1/nodes'))).toHaveLength(1)
        const lines = join(cache, 'liqo-lines.json')
        if (isV1) expect(existsSync(lines)).toBe(false)
        else expect(Object.values(JSON.parse(readFileSync(lines, 'utf8')) as Record<string, string>)).toEqual(['v0'])
      },
    )

    it('-A adds a NAMESPACE column and shows local pods as local', async () => {
      const r = await cli(['pods', 'where', '-A'])
      expect(r.code, r.stderr).toBe(0)
      expect(r.stdout.split('\n')[0]).toMatch(/^NAMESPACE\s+NAME\s+CLUSTER/)
      expect(r.stdout).toMatch(/^liqo\s+liqo-controller-manager-\S+\s+local\s+1\/1\s+Running/m)
      expect(r.stderr).toMatch(/^local: \d+ pods?/m)
    })

    it('-o wide adds node, IP and cluster ID; -l filters', async () => {
      const r = await cli(['pods', 'where', '-n', ns.name, '-o', 'wide', '-l', 'app=liqo-test'])
      expect(r.stdout.split('\n')[0]).toMatch(/NODE\s+IP\s+CLUSTER-ID$/)
      expect(r.stdout).toMatch(new RegExp(`\\s${virtualNodeName('cluster-2')}\\s`))
      const none = await cli(['pods', 'where', '-n', ns.name, '-l', 'app=nothing'])
      expect(none.code).toBe(0)
      expect(none.stdout).toBe('')
      expect(none.stderr).toMatch(/No resources found in it-cmd-\w+ namespace\./)
    })

    it('-o yaml and -o json are stable documents, valid also when empty', async () => {
      const y = yaml.load((await cli(['pods', 'where', '-n', ns.name, '-o', 'yaml'])).stdout) as {
        kind: string
        total: number
        items: unknown[]
      }
      expect(y.kind).toBe('PodPlacement')
      expect(y.total).toBe(3)
      const empty = await cli(['pods', 'where', '-n', ns.name, '-l', 'app=nothing', '-o', 'json'])
      const doc = JSON.parse(empty.stdout)
      expect(doc).toMatchObject({kind: 'PodPlacement', total: 0, items: [], clusters: []})
    })

    it('kubectl habits: -o name, --sort-by, --field-selector, -A ordered by namespace, -h', async () => {
      const names = await cli(['pods', 'where', '-n', ns.name, '-o', 'name'])
      expect(names.code, names.stderr).toBe(0)
      expect(names.stdout.trim().split('\n')).toHaveLength(3)
      for (const l of names.stdout.trim().split('\n')) expect(l).toMatch(/^pod\/nginx-deployment-\S+$/)
      const sorted = await cli(['pods', 'where', '-n', ns.name, '--sort-by', '.metadata.name', '--no-headers'])
      const order = sorted.stdout
        .trim()
        .split('\n')
        .map((l) => l.split(/\s+/)[0]!)
      expect(order).toEqual([...order].sort())
      const bad = await cli(['pods', 'where', '-n', ns.name, '--sort-by', '.spec.foo'])
      expect(bad.code).toBe(2)
      expect(bad.stderr).toMatch(/^error: --sort-by: cannot sort by ".spec.foo"$/m)
      const on2 = await cli([
        'pods',
        'where',
        '-n',
        ns.name,
        '--field-selector',
        `spec.nodeName=${virtualNodeName('cluster-2')}`,
        '--no-headers',
      ])
      expect(on2.code, on2.stderr).toBe(0)
      const rows = on2.stdout.trim().split('\n').filter(Boolean)
      expect(rows.length).toBeGreaterThan(0)
      for (const r of rows) expect(r.split(/\s+/)[1]).toBe('cluster-2')
      const all = await cli(['pods', 'where', '-A', '--no-headers'])
      const namespaces = all.stdout
        .trim()
        .split('\n')
        .map((l) => l.split(/\s+/)[0]!)
      expect(namespaces).toEqual([...namespaces].sort())
      const help = await cli(['pods', 'where', '-h'])
      expect(help.code).toBe(0)
      expect(help.stdout).toMatch(/--sort-by/)
    })

    it('-v 6 logs each API request as kubectl does (stderr only); -v 8 adds the bodies', async () => {
      const plain = await cli(['pods', 'where', '-n', ns.name])
      const v6 = await cli(['pods', 'where', '-n', ns.name, '-v', '6'])
      expect(v6.code, v6.stderr).toBe(0)
      expect(v6.stdout.split('\n')[0]).toBe(plain.stdout.split('\n')[0])
      const lines = v6.stderr.split('\n').filter((l) => /round_trippers/.test(l))
      expect(lines.length).toBeGreaterThanOrEqual(3)
      for (const l of lines)
        expect(l).toMatch(
          // eslint-disable-next-line max-len -- a regex literal cannot be split
          /^I\d{4} [\d:.]+ round_trippers\.go\] (GET|POST|PATCH|DELETE|PUT) https:\/\/\S+ \d{3} .* in \d+ milliseconds$/,
        )
      expect(v6.stderr).toMatch(new RegExp(`GET https://\\S+/api/v1/namespaces/${ns.name}/pods\\S* 200 OK`))
      const v8 = await cli(['pods', 'where', '-n', ns.name, '-v=8'])
      expect(v8.stderr).toMatch(/request\.go\] Response Body: \{/)
    })

    it('a namespace that does not exist is an error, not an empty list', async () => {
      const r = await cli(['pods', 'where', '-n', 'no-such-namespace'])
      expect(r.code).toBe(1)
      expect(r.stderr).toMatch(/namespace "no-such-namespace" not found/)
      expect(r.stdout).toBe('')
    })

    it('shows unschedulable pods as Pending on <none>, with the reason', async () => {
      const c = await admin()
      const pend = await offloadedNamespace('it-pend', {
        replicas: 0,
        spec: {
          podOffloadingStrategy: 'Remote',
          clusterSelector: {
            nodeSelectorTerms: [
              {matchExpressions: [{key: 'liqo.io/remote-cluster-id', operator: 'In', values: ['cluster-9']}]},
            ],
          },
        },
      })
      try {
        await c.create(`/apis/apps/v1/namespaces/${pend.name}/deployments`, nginxDeploymentBody(pend.name, 1))
        // Watched (one list and one watch of the pods): the scheduler's verdict as it is written, rather
        // than running the command under test again and again until it shows it.
        await untilWatched(c, [`/api/v1/namespaces/${pend.name}/pods`], 'pod unschedulable', 30_000, ([pods]) =>
          pods!.some(
            (p) =>
              !p.spec?.nodeName &&
              ((p.status?.conditions ?? []) as Json[]).some((x) => x.type === 'PodScheduled' && x.status === 'False'),
          ),
        )
        const r = await cli(['pods', 'where', '-n', pend.name])
        expect(r.stdout).toMatch(/\s<none>\s+0\/1\s+Pending\s/)
        expect(r.stderr).toMatch(/not scheduled: 1 pod, 0 ready/)
        expect(r.stderr).toMatch(/is Pending: .*node/)
      } finally {
        await pend.remove()
      }
    })

    it('-w prints the table, then a row for each change; Ctrl-C ends it with 130', async () => {
      const child = startCli(['pods', 'where', '-n', ns.name, '-w'])
      const done = collect(child, {timeoutMs: 60_000})
      let out = ''
      child.stdout!.on('data', (d: string) => (out += d))
      await until('initial table', 30_000, async () => out.split('\n').length >= 5)
      try {
        await kubectl(['scale', 'deployment/nginx-deployment', '-n', ns.name, '--replicas=4'])
        await until(
          'a row for the new pod',
          30_000,
          async () => out.split('\n').filter((l) => /\sRunning\s/.test(l)).length >= 4,
        )
        child.kill('SIGINT')
        const r = await done
        expect(r.code).toBe(130)
        expect(r.stdout.split('\n')[0]).toMatch(/^NAME\s+CLUSTER/)
        // As kubectl get -w: Ctrl-C ends it quietly, and a deleted pod shows its last state.
        expect(r.stderr).not.toMatch(/error/)
        expect(r.stdout).not.toMatch(/\sDeleted\s/)
      } finally {
        child.kill('SIGKILL')
        await kubectl(['scale', 'deployment/nginx-deployment', '-n', ns.name, '--replicas=3'])
        await cli(['wait', '-n', ns.name, '--timeout', '30s'])
      }
    })
  })

  describe('peer list and previews', () => {
    it('peer list: phases, virtual node readiness and hosted pods', async () => {
      const r = await cli(['peer', 'list', '-o', 'json'])
      expect(r.code, r.stderr).toBe(0)
      const doc = JSON.parse(r.stdout)
      const c2 = doc.items.find((i: {name: string}) => i.name === 'cluster-2')
      expect(c2).toMatchObject({
        clusterID: clusterId('cluster-2'),
        // Liqo v1 has no cluster name besides the ID.
        clusterName: isV1 ? '' : 'cluster-2',
        outgoingPeeringEnabled: 'Yes',
        outgoingPhase: 'Established',
        virtualNode: {ready: true, schedulable: true},
      })
      const total = doc.items.reduce((n: number, i: {pods: number}) => n + i.pods, 0)
      expect(total).toBeGreaterThanOrEqual(3)
      const short = await cli(['peer', 'list', '-v', '6'])
      expect(short.stdout.split('\n')[0]).toMatch(/^NAME\s+CLUSTER-ID\s+OUTGOING\s+VIRTUAL-NODE\s+PODS/)
      // The nodes are listed once: for the virtual nodes' state and, on v1, for the peerings.
      expect(short.stderr.split('\n').filter((l) => /\] GET https?:\/\/[^/]+\/api\/v1\/nodes\?/.test(l))).toHaveLength(
        1,
      )
      expect(short.stdout).toMatch(/^cluster-2\s+\S+\s+Yes\/Established\s+Ready\s/m)
      expect(Math.max(...short.stdout.split('\n').map((l) => l.length))).toBeLessThanOrEqual(100)
      const table = await cli(['peer', 'list', '-o', 'wide'])
      expect(table.stdout.split('\n')[0]).toMatch(/^NAME\s+CLUSTER-ID\s+/)
      expect(table.stdout).toMatch(
        new RegExp(`^cluster-2\\s+${clusterId('cluster-2')}\\s.*\\s${virtualNodeName('cluster-2')}\\s`, 'm'),
      )
    })

    it('--dry-run shows where evicted pods can go, and changes nothing', async () => {
      const r = await cli(['peer', 'disable', 'cluster-3', '--dry-run', '-o', 'json'])
      expect(r.code, r.stderr).toBe(0)
      const plan = JSON.parse(r.stdout)
      expect(plan).toMatchObject({
        kind: 'PeerPlan',
        action: 'disable',
        cluster: {name: 'cluster-3'},
        outgoingPeeringEnabled: {from: 'Yes', to: 'No'},
      })
      for (const e of plan.evictions) expect(e).toMatchObject({outcome: 'rescheduled', destinations: ['cluster-2']})
      expect(await switchByKubectl('cluster-3')).toBe(SWITCH.on)
    })

    it(
      'warns plainly when evicted pods would stay Pending, refuses without --force; with it the wait times out ' +
        '(exit 3) naming them',
      async () => {
        const only3 = await offloadedNamespace('it-only3', {replicas: 2, spec: onlyOn('cluster-3')})
        try {
          const dry = await cli(['peer', 'disable', 'cluster-3', '--dry-run'])
          expect(dry.stdout).toMatch(/would stay Pending: no eligible cluster remains/)
          expect(dry.stdout).toMatch(
            new RegExp(`${only3.name}/nginx-deployment-\\S+ \\(ReplicaSet/\\S+\\): replacement would stay Pending`),
          )
          // As kubectl drain: --yes is not enough for a change that leaves pods Pending.
          const refused = await cli(['peer', 'disable', 'cluster-3', '--yes'])
          expect(refused.code).toBe(1)
          expect(refused.stderr).toMatch(
            // eslint-disable-next-line max-len -- a regex literal cannot be split
            /^error: refusing to disable cluster-3: 2 evicted pod\(s\) would stay Pending or not be replaced .*; nothing was changed$/m,
          )
          expect(refused.stderr).toMatch(/^hint: re-run with --force/m)
          expect(await switchByKubectl('cluster-3')).toBe(SWITCH.on)
          const r = await cli(['peer', 'disable', 'cluster-3', '--yes', '--force', '--timeout', '15s'], {
            timeoutMs: 120_000,
          })
          expect(r.code).toBe(3)
          expect(r.stderr).toMatch(/timed out after 15s waiting for the topology to converge after disabling cluster-3/)
          expect(r.stderr).toMatch(/pod\/nginx-deployment-\S+: Pending, not scheduled/)
          expect(r.stderr).toMatch(/the change was applied: peering to cluster-3 is disabled/)
          // Recovery: the exact commands to keep waiting and to undo.
          expect(r.stderr).toMatch(
            // eslint-disable-next-line max-len -- a regex literal cannot be split
            /; to keep waiting: liqo-topology peer disable cluster-3 --yes --force --timeout 15s --context cluster-1; to undo: liqo-topology peer enable cluster-3 --context cluster-1$/m,
          )
          expect((await podClusters(only3.name)).filter((p) => p.cluster === '<none>')).toHaveLength(2)
          // The "keep waiting" command: the pods left the cluster long ago, yet their replacements are
          // still Pending, so it is "already disabled" and waits on the namespace again (no false success).
          const rerun = await cli(['peer', 'disable', 'cluster-3', '--yes', '--force', '--timeout', '5s'], {
            timeoutMs: 120_000,
          })
          expect(rerun.code, rerun.stderr).toBe(3)
          expect(rerun.stderr).toMatch(/outgoing peering to cluster-3 already disabled/)
          expect(rerun.stderr).toMatch(/pod\/nginx-deployment-\S+: Pending, not scheduled/)
        } finally {
          await restoreOffloading()
          await only3.remove()
        }
      },
    )

    it(
      'on a terminal: the cluster can be picked from a list, and declining the confirmation exits 4 leaving ' +
        'it unchanged',
      {tags: ['launcher']},
      async () => {
        const picked = await cliOnTty(['peer', 'disable', '--dry-run'], '\r')
        expect(picked.code, picked.stdout).toBe(0)
        expect(picked.stdout).toMatch(/Which cluster should have its outgoing peering disabled/)
        expect(picked.stdout).toMatch(/Disable outgoing peering to cluster-2/)
        const declined = await cliOnTty(['peer', 'disable', 'cluster-2'], 'n\r')
        expect(declined.code, declined.stdout).toBe(4)
        expect(declined.stdout).toMatch(/Disable outgoing peering to "cluster-2" on context "cluster-1"\?/)
        expect(declined.stdout).toMatch(/aborted: peering to cluster-2 left as it was/)
        // Esc cancels, at the confirmation and at the picker, as No does.
        const esc = await cliOnTty(['peer', 'disable', 'cluster-2'], '\x1b')
        expect(esc.code, esc.stdout).toBe(4)
        expect(esc.stdout).toMatch(/aborted: peering to cluster-2 left as it was/)
        const escPick = await cliOnTty(['peer', 'disable'], '\x1b')
        expect(escPick.code, escPick.stdout).toBe(4)
        expect(escPick.stdout).toMatch(/aborted \(Esc\): nothing was changed/)
        expect(await switchByKubectl('cluster-2')).toBe(SWITCH.on)
      },
    )

    it('--no-wait returns right after the patch', async () => {
      const r = await cli(['peer', 'disable', 'cluster-3', '--yes', '--no-wait'])
      expect(r.code, r.stderr).toBe(0)
      expect(r.stdout).toMatch(/Not waiting/)
      const w = await cli(['wait', '-n', ns.name, '--away-from', 'cluster-3', '--timeout', '90s'], {timeoutMs: 120_000})
      expect(w.code, w.stderr).toBe(0)
      await restoreOffloading()
    })
  })

  describe('wait', () => {
    it('returns at once when converged', async () => {
      const r = await cli(['wait', '-n', ns.name, '-o', 'json'])
      expect(r.code, r.stderr).toBe(0)
      expect(JSON.parse(r.stdout)).toMatchObject({kind: 'Convergence', converged: true, readyPods: 3, totalPods: 3})
    })

    it('follows a change through to convergence', async () => {
      // The change first, then the wait: a wait started before the restart reached the API server
      // could rightly find the namespace converged (seen from the start-up snapshot, which is fast).
      await kubectl(['rollout', 'restart', 'deployment/nginx-deployment', '-n', ns.name])
      const r = await cli(['wait', '-n', ns.name, '--timeout', '60s'], {timeoutMs: 90_000})
      expect(r.code, r.stderr).toBe(0)
      // Converged means the rollout is through: kubectl agrees at once.
      const rollout = await kubectl(['rollout', 'status', 'deployment/nginx-deployment', '-n', ns.name, '--timeout=5s'])
      expect(rollout.code, rollout.stderr).toBe(0)
    })

    it('--away-from times out with exit 3 and names the pods still there', async () => {
      await podOn(ns.name, 'cluster-2')
      const r = await cli(['wait', '-n', ns.name, '--away-from', 'cluster-2', '--timeout', '3s'])
      expect(r.code).toBe(3)
      expect(r.stderr).toMatch(
        // eslint-disable-next-line max-len -- a regex literal cannot be split
        /timed out after 3\.0s waiting for rescheduling in "it-cmd-\w+": pod\/nginx-deployment-[\w-]+(, pod\/nginx-deployment-[\w-]+)*: still on cluster-2/,
      )
    })

    it('"nothing there yet" keeps waiting until the timeout', async () => {
      const c = await admin()
      const name = uniqueName('it-empty')
      await c.create('/api/v1/namespaces', {apiVersion: 'v1', kind: 'Namespace', metadata: {name}})
      try {
        const r = await cli(['wait', '-n', name, '--timeout', '2s'])
        expect(r.code).toBe(3)
        expect(r.stderr).toMatch(/nothing there yet|no pods or workloads yet/)
        expect(r.ms).toBeGreaterThanOrEqual(2000)
      } finally {
        await c.delete(`/api/v1/namespaces/${name}`)
      }
    })

    it('a namespace that does not exist is an error', async () => {
      const r = await cli(['wait', '-n', 'no-such-namespace', '--timeout', '5s'])
      expect(r.code).toBe(1)
      expect(r.stderr).toMatch(/namespace "no-such-namespace" not found/)
    })
  })

  describe('cleanup and status', () => {
    it('status shows the Liqo version, peerings and the remote namespaces per cluster', async () => {
      const r = await cli(['status', '-n', ns.name, '-o', 'json'])
      expect(r.code, r.stderr).toBe(0)
      const doc = JSON.parse(r.stdout)
      expect(doc.liqo).toMatchObject(isV1 ? {line: 'v1', version: 'v1.2.0'} : {line: 'v0', version: 'v0.3.2'})
      // Liqo v1 names a cluster by its ID only.
      expect(doc.cluster).toMatchObject(isV1 ? {id: 'cluster-1'} : {name: 'cluster-1'})
      expect(doc.namespace.offloading).toMatchObject({phase: 'Ready', podOffloadingStrategy: 'Remote'})
      expect(doc.namespace.remoteNamespaces.map((n: {cluster: string}) => n.cluster)).toEqual([
        'cluster-2',
        'cluster-3',
      ])
      const text = await cli(['status', '-n', ns.name])
      expect(text.stdout).toMatch(isV1 ? /Liqo:\s+v1\.2\.0/ : /Liqo:\s+v0\.3\.2/)
      expect(text.stdout).toMatch(
        isV1
          ? /^cluster-3\s+\S+\s+OffloadingRequired=True \(ClusterSelected\), Ready=True \(NamespaceCreated\)$/m
          : /^cluster-3\s+\S+\s+Ready=True \(RemoteNamespaceCreated\)$/m,
      )
    })

    it('cleanup --dry-run -o json is the plan; without a terminal and --yes nothing happens (exit 2)', async () => {
      const r = await cli(['cleanup', '-n', ns.name, '--dry-run', '-o', 'json', '--keep-peering'])
      expect(r.code, r.stderr).toBe(0)
      const plan = JSON.parse(r.stdout)
      expect(plan.steps.map((s: {kind: string}) => s.kind)).toEqual([
        'delete-deployment',
        'delete-namespaceoffloading',
        'delete-namespace',
      ])
      const refused = await cli(['cleanup', '-n', ns.name, '--keep-peering'])
      expect(refused.code).toBe(2)
      expect(refused.stderr).toMatch(/re-run with --yes/)
      expect((await kubectl(['get', 'namespace', ns.name])).code).toBe(0)
    })

    it('cleanup --deployment only deletes that one, and --keep-peering leaves the peerings alone', async () => {
      const part = await offloadedNamespace('it-part', {replicas: 1})
      try {
        const c = await admin()
        const other = nginxDeploymentBody(part.name, 1)
        other.metadata.name = 'other'
        other.spec.selector.matchLabels = {app: 'other'}
        other.spec.template.metadata.labels = {app: 'other'}
        await c.create(`/apis/apps/v1/namespaces/${part.name}/deployments`, other)
        const r = await cli([
          'cleanup',
          '-n',
          part.name,
          '--deployment',
          'other',
          '--deployment',
          'ghost',
          '--keep-peering',
          '--yes',
          '--dry-run',
        ])
        expect(r.stdout).toMatch(/1\. delete deployment .*\/other and its pods/)
        expect(r.stdout).toMatch(/deployment "ghost" not found/)
        expect(r.stdout).not.toMatch(/nginx-deployment/)
        expect(r.stdout).not.toMatch(/outgoing peering/)
        const run = await cli(['cleanup', '-n', part.name, '--keep-peering', '--yes'])
        expect(run.code, run.stderr).toBe(0)
        for (const c of ['cluster-2', 'cluster-3']) expect(await switchByKubectl(c), c).toBe(SWITCH.on)
      } finally {
        if ((await kubectl(['get', 'namespace', part.name])).code === 0) await part.remove()
      }
    })

    it(
      'cleanup whose peering steps would evict pods of other namespaces: the plan names them; refused without ' +
        '--force, nothing changed',
      async () => {
        const part = await offloadedNamespace('it-other', {replicas: 1})
        try {
          const plan = JSON.parse((await cli(['cleanup', '-n', part.name, '--dry-run', '-o', 'json'])).stdout)
          const others = plan.otherNamespaces as Array<{namespace: string; outcome: string}>
          expect(others.length).toBeGreaterThanOrEqual(3)
          // Its own pods are not among them; this suite's namespace is (others may be too, in CI order).
          expect(others.some((o) => o.namespace === ns.name)).toBe(true)
          expect(others.some((o) => o.namespace === part.name)).toBe(false)
          // Every peering goes off: nowhere is left for the replacements.
          expect(others.every((o) => o.outcome === 'pending')).toBe(true)
          const refused = await cli(['cleanup', '-n', part.name, '--yes'])
          expect(refused.code).toBe(1)
          expect(refused.stderr).toMatch(
            new RegExp(`The peering steps also evict \\d+ pod\\(s\\) of other namespaces \\([^)]*${ns.name}[^)]*\\)`),
          )
          expect(refused.stderr).toMatch(
            new RegExp(
              `^error: refusing to clean up ${part.name}: .* of other namespaces \\([^)]*${ns.name}[^)]*\\).*; ` +
                `nothing was changed$`,
              'm',
            ),
          )
          expect((await kubectl(['get', 'deployment', 'nginx-deployment', '-n', part.name])).code).toBe(0)
          for (const c of ['cluster-2', 'cluster-3']) expect(await switchByKubectl(c), c).toBe(SWITCH.on)
          // Leaving the peerings alone touches nothing else: no --force needed.
          const kept = await cli(['cleanup', '-n', part.name, '--keep-peering', '--yes'])
          expect(kept.code, kept.stderr).toBe(0)
        } finally {
          if ((await kubectl(['get', 'namespace', part.name])).code === 0) await part.remove()
        }
      },
    )

    it('refuses to clean up system namespaces', async () => {
      const r = await cli(['cleanup', '-n', 'kube-system', '--yes'])
      expect(r.code).toBe(2)
      expect(r.stderr).toMatch(/refusing to clean up namespace "kube-system"/)
    })
  })
})
