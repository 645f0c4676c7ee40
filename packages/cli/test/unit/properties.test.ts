/**
 * Property-based tests (fast-check) of the pure parts whose invariants matter most: durations,
 * kubeconfig merging and mutated kubeconfigs, `<cluster>` resolution, the convergence and
 * scheduling predicates, and the cleanup plan.
 */
import fc from 'fast-check'
import yaml from 'js-yaml'
import {describe, expect, it} from 'vitest'

import {userCredentials} from '../../src/k8s/credentials.js'
import {mergeKubeconfigs, parseKubeconfig, resolveTarget} from '../../src/k8s/kubeconfig.js'
import {matchForeignClusters, resolveForeignCluster} from '../../src/liqo/resolve.js'
import {planCleanup} from '../../src/model/cleanup-plan.js'
import {evaluateConvergence} from '../../src/model/convergence.js'
import {podFitsNode, tolerates} from '../../src/model/scheduling.js'
import type {ForeignCluster, Node, Pod} from '../../src/model/types.js'
import {CliError, UsageError, UserError} from '../../src/toolkit/errors.js'
import {formatDuration, parseDuration} from '../../src/toolkit/duration.js'
import {aForeignCluster, aNamespaceOffloading, aNode, aPod, aScheduling, aVirtualNode, aWorkload} from './fixtures.js'

const RUNS = {numRuns: 300}

describe('durations', () => {
  it('a sum of unit parts parses to the sum of their milliseconds', () => {
    const part = fc.tuple(fc.integer({min: 0, max: 500}), fc.constantFrom('ms', 's', 'm', 'h'))
    fc.assert(
      fc.property(fc.array(part, {minLength: 1, maxLength: 4}), (parts) => {
        const unit = {ms: 1, s: 1000, m: 60_000, h: 3_600_000} as const
        const text = parts.map(([n, u]) => `${n}${u}`).join('')
        expect(parseDuration(text)).toBe(parts.reduce((sum, [n, u]) => sum + n * unit[u], 0))
      }),
      RUNS,
    )
  })

  it('any other text is one clear error, never a number or a crash', () => {
    fc.assert(
      fc.property(fc.string({maxLength: 12}), (s) => {
        let value: number | undefined
        try {
          value = parseDuration(s)
        } catch (e) {
          expect((e as Error).message).toMatch(
            /^invalid duration ".*": use a number of seconds or a value like 90s, 2m, 1m30s$/s,
          )
          return
        }
        expect(Number.isFinite(value)).toBe(true)
        expect(value).toBeGreaterThanOrEqual(0)
      }),
      RUNS,
    )
  })

  it('what formatDuration prints parses back to within its rounding', () => {
    fc.assert(
      fc.property(fc.integer({min: 0, max: 50 * 3_600_000}), (ms) => {
        const back = parseDuration(formatDuration(ms))
        // Shown to the millisecond below 1 s, to 0.1 s below 10 s, to the second below 1 h, then to the minute.
        const tolerance = ms < 1000 ? 1 : ms < 10_000 ? 50 : ms < 3_600_000 ? 500 : 60_000
        expect(Math.abs(back - ms)).toBeLessThanOrEqual(tolerance)
      }),
      RUNS,
    )
  })
})

describe('kubeconfig merging (kubectl rules)', () => {
  const name = fc.constantFrom('a', 'b', 'c', 'd')
  const doc = fc.record({
    clusters: fc.array(
      fc.record({name, cluster: fc.record({server: fc.constantFrom('https://1', 'https://2', 'https://3')})}),
      {maxLength: 3},
    ),
    users: fc.array(fc.record({name, user: fc.record({token: fc.constantFrom('t1', 't2')})}), {maxLength: 3}),
    contexts: fc.array(fc.record({name, context: fc.record({cluster: name, user: name})}), {maxLength: 3}),
    'current-context': fc.option(name, {nil: undefined}),
  })

  it('the first definition of each name wins, and the first current-context', () => {
    fc.assert(
      fc.property(fc.array(doc, {minLength: 1, maxLength: 4}), (docs) => {
        const merged = mergeKubeconfigs(docs.map((raw, i) => ({file: `f${i}`, raw})))
        for (const kind of ['clusters', 'users', 'contexts'] as const) {
          const names = merged[kind].map((x) => x.name)
          expect(new Set(names).size).toBe(names.length)
          for (const item of merged[kind]) {
            const first = docs.flatMap((d) => d[kind] as Array<{name: string}>).find((x) => x.name === item.name)
            expect(item).toEqual(first)
          }
        }
        expect(merged.currentContext).toBe(docs.find((d) => d['current-context'])?.['current-context'] ?? '')
      }),
      RUNS,
    )
  })

  it('mutated kubeconfigs give a target or one clear error with a documented exit code, never a crash', () => {
    const base = yaml.dump({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{name: 'c', cluster: {server: 'https://127.0.0.1:6443', 'certificate-authority-data': 'Zm9v'}}],
      users: [{name: 'u', user: {token: 'secret-token'}}],
      contexts: [{name: 'x', context: {cluster: 'c', user: 'u', namespace: 'ns'}}],
      'current-context': 'x',
    })
    const mutation = fc.oneof(
      fc.tuple(fc.nat(base.length), fc.nat(20)).map(
        ([at, n]) =>
          (s: string) =>
            s.slice(0, at) + s.slice(at + n),
      ),
      fc.tuple(fc.nat(base.length), fc.string({maxLength: 8})).map(
        ([at, ins]) =>
          (s: string) =>
            s.slice(0, at) + ins + s.slice(at),
      ),
      fc.tuple(fc.nat(base.length), fc.constantFrom(':', '-', ' ', '\n', '[', '{', '"', '\t')).map(
        ([at, ch]) =>
          (s: string) =>
            s.slice(0, at) + ch + s.slice(at + 1),
      ),
    )
    fc.assert(
      fc.property(
        fc.array(mutation, {minLength: 1, maxLength: 4}),
        fc.option(fc.constantFrom('x', 'y', ''), {nil: undefined}),
        (ms, ctx) => {
          const text = ms.reduce((s, m) => m(s), base)
          try {
            const t = resolveTarget(mergeKubeconfigs([{file: '/k', raw: parseKubeconfig(text, '/k')}]), ctx)
            expect(t.server).toMatch(/\S/)
            userCredentials(t)
            expect(JSON.stringify(t.context)).not.toMatch(/secret-token/)
          } catch (e) {
            expect(e).toBeInstanceOf(CliError)
            expect([1, 2]).toContain((e as CliError).exitCode)
            expect((e as Error).message).not.toMatch(/\n/)
            expect((e as Error).message).not.toMatch(/secret-token/)
          }
        },
      ),
      {numRuns: 500},
    )
  })
})

describe('<cluster> resolution', () => {
  const peer = fc.record({
    name: fc.constantFrom('cluster-2', 'cluster-3', 'milan', 'x1'),
    clusterId: fc.constantFrom('id-a', 'id-b', 'cluster-2', ''),
    clusterName: fc.constantFrom('', 'milan', 'turin'),
  })
  it('returns a cluster that matches exactly, or a UserError naming the known ones; never another cluster', () => {
    fc.assert(
      fc.property(
        fc.array(peer, {maxLength: 4}),
        fc.constantFrom('cluster-2', 'CLUSTER-2', 'milan', 'id-a', 'turin', 'nope', ''),
        (peers, input) => {
          const fcs = peers.map((p, i) => aForeignCluster({...p, name: `${p.name}-${i}`}))
          try {
            const {fc: hit, matchedBy} = resolveForeignCluster(input, fcs, 'home')
            expect(matchedBy.length).toBeGreaterThan(0)
            expect(matchForeignClusters(input, fcs).map((m) => m.fc)).toEqual([hit])
          } catch (e) {
            expect(e).toBeInstanceOf(UserError)
            expect(matchForeignClusters(input, fcs).length).not.toBe(1)
          }
        },
      ),
      RUNS,
    )
  })
})

describe('scheduling predicates', () => {
  const taint = fc.record({
    key: fc.constantFrom('a', 'b', 'virtual-node.liqo.io/not-allowed'),
    value: fc.constantFrom('true', 'x'),
    effect: fc.constantFrom('NoSchedule', 'NoExecute', 'PreferNoSchedule'),
  })
  it(
    'a node without taints, labels or selectors takes any pod; an untolerated NoSchedule/NoExecute taint ' +
      'refuses it',
    () => {
      fc.assert(
        fc.property(fc.array(taint, {maxLength: 3}), (taints) => {
          const s = aScheduling({})
          const node = aNode({name: 'n', taints})
          const blocking = taints.filter((t) => t.effect !== 'PreferNoSchedule')
          expect(podFitsNode(s, node).fits).toBe(blocking.length === 0)
        }),
        RUNS,
      )
    },
  )
  it('an Exists toleration without a key tolerates every taint', () => {
    fc.assert(
      fc.property(taint, (t) => {
        expect(tolerates([{operator: 'Exists'}], t)).toBe(true)
      }),
      RUNS,
    )
  })
})

describe('convergence', () => {
  const podArb = fc.record({
    cluster: fc.constantFrom('cluster-2', 'cluster-3', 'local', ''),
    ready: fc.boolean(),
    deleting: fc.boolean(),
  })
  it(
    'converged ⇒ no live pod on the cluster being left or on a disabled one, none Pending or Terminating, all ' +
      'Ready',
    () => {
      fc.assert(
        fc.property(fc.array(podArb, {maxLength: 6}), fc.boolean(), (ps, disable3) => {
          const nodes: Node[] = [aNode({name: 'worker'}), aVirtualNode('vn-2', 'id-2'), aVirtualNode('vn-3', 'id-3')]
          const fcs: ForeignCluster[] = [
            aForeignCluster({
              name: 'cluster-2',
              clusterId: 'id-2',
              outgoingEnabled: 'Yes',
              outgoingPhase: 'Established',
            }),
            aForeignCluster({
              name: 'cluster-3',
              clusterId: 'id-3',
              outgoingEnabled: disable3 ? 'No' : 'Yes',
              outgoingPhase: disable3 ? 'None' : 'Established',
            }),
          ]
          const nodeOf = {'cluster-2': 'vn-2', 'cluster-3': 'vn-3', local: 'worker', '': undefined} as const
          const pods: Pod[] = ps.map((p, i) =>
            aPod({
              name: `p${i}`,
              ...(nodeOf[p.cluster] ? {nodeName: nodeOf[p.cluster]} : {}),
              phase: p.cluster ? 'Running' : 'Pending',
              ready: p.ready && !!p.cluster,
              ...(p.deleting ? {deletionTimestamp: '2026-01-01T00:00:00Z'} : {}),
            }),
          )
          const s = evaluateConvergence({
            namespace: 'ns',
            namespaceExists: true,
            pods,
            nodes,
            fcs,
            workloads: [],
            awayFrom: {clusterId: 'id-3', name: 'cluster-3'},
          })
          if (s.converged) {
            for (const p of pods) {
              expect(p.nodeName).not.toBe('vn-3')
              expect(p.deletionTimestamp).toBeUndefined()
              expect(p.phase).not.toBe('Pending')
              expect(p.ready).toBe(true)
            }
            expect(pods.length).toBeGreaterThan(0)
          }
        }),
        RUNS,
      )
    },
  )
})

describe('cleanup plan', () => {
  it('never deletes outside the named namespace, and refuses system namespaces', () => {
    const nsName = fc.constantFrom('liqo-test', 'shop', 'default', 'kube-system', 'liqo', 'liqo-tenant-x', 'app')
    fc.assert(
      fc.property(
        nsName,
        fc.array(fc.constantFrom('web', 'db', 'api'), {maxLength: 3}),
        fc.boolean(),
        fc.boolean(),
        (ns, deps, keep, withNso) => {
          let plan
          try {
            plan = planCleanup(
              {
                namespace: ns,
                namespaceObj: {name: ns, phase: 'Active', labels: {}, finalizers: [], conditions: []},
                deployments: deps.map((d) => aWorkload({name: d, namespace: ns})),
                nsos: withNso ? [aNamespaceOffloading({namespace: ns})] : [],
                fcs: [
                  aForeignCluster({
                    name: 'cluster-2',
                    clusterId: 'id-2',
                    outgoingEnabled: 'Yes',
                    outgoingPhase: 'Established',
                  }),
                ],
              },
              {deployments: [], keepPeering: keep},
            )
          } catch (e) {
            expect(e).toBeInstanceOf(UsageError)
            expect(['default', 'kube-system', 'liqo', 'liqo-tenant-x']).toContain(ns)
            return
          }
          for (const s of plan.steps) {
            if ('namespace' in s) expect(s.namespace).toBe(ns)
            if (keep) expect(s.kind).not.toBe('disable-peering')
          }
          const order = plan.steps.map((s) =>
            [
              'delete-deployment',
              'delete-namespaceoffloading',
              'delete-namespace',
              'disable-peering',
              'unpeer',
            ].indexOf(s.kind),
          )
          expect(order).toEqual([...order].sort((a, b) => a - b))
        },
      ),
      RUNS,
    )
  })
})
