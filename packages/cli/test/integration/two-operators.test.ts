/**
 * Two operators at once: two `peer disable` of the same cluster, and of different clusters. Each
 * ends with a correct exit code and message, the final state is right, the switch is written once
 * (the loser of the race sees the winner's write through the 409 and stops), and a preview taken
 * after the other operator's change reflects it.
 */
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {
  auditEvents,
  cli,
  lab,
  labState,
  offloadedNamespace,
  podClusters,
  podOn,
  restorePeerings,
  skipNote,
  untilPlaced,
  type AuditEvent,
  type OffloadedNamespace,
} from '../helpers/lab.js'

/**
 * Successful writes of a cluster's switch by the CLI's user since `since` (the API server's own log; the same clock:
 * nothing before the command, such as the set-up's own writes, counts).
 */
function switchWrites(since: number, cluster: string): AuditEvent[] {
  const resource = labState().mode === 'liqo' ? 'virtualnodes' : 'foreignclusters'
  return auditEvents(since)
    .filter((e) => e.stage === 'ResponseComplete' && e.verb === 'patch' && e.user.username === 'admin')
    .filter((e) => e.objectRef?.resource === resource && e.objectRef.name === cluster && e.responseStatus?.code === 200)
}

describe.skipIf(!lab)(`two operators at once${skipNote}`, () => {
  let ns: OffloadedNamespace
  beforeAll(async () => {
    await restorePeerings()
    // Pods may also run locally, so that disabling both remote clusters leaves them somewhere to go.
    ns = await offloadedNamespace('it-two-ops', {
      replicas: 3,
      spec: {namespaceMappingStrategy: 'EnforceSameName', podOffloadingStrategy: 'LocalAndRemote'},
    })
  }, 300_000)
  afterAll(async () => {
    await restorePeerings()
    await ns?.remove()
  }, 300_000)

  it(
    'two peer disable of the same cluster at once: both exit 0, the switch is written once, all pods end off ' +
      'the cluster',
    async () => {
      await podOn(ns.name, 'cluster-3')
      const since = Date.now()
      const [a, b] = await Promise.all([
        cli(['peer', 'disable', 'cluster-3', '--yes', '--timeout', '2m']),
        cli(['peer', 'disable', 'cluster-3', '--yes', '--timeout', '2m']),
      ])
      expect(a.code, a.stderr).toBe(0)
      expect(b.code, b.stderr).toBe(0)
      expect(switchWrites(since, 'cluster-3')).toHaveLength(1)
      const placed = await podClusters(ns.name)
      expect(placed.filter((p) => p.cluster === 'cluster-3')).toEqual([])
      expect(placed.filter((p) => p.ready)).toHaveLength(3)
    },
  )

  it('two peer disable of different clusters at once: both exit 0, both written, the pods end local', async () => {
    await restorePeerings()
    await podOn(ns.name, 'cluster-2')
    const since = Date.now()
    const [a, b] = await Promise.all([
      cli(['peer', 'disable', 'cluster-2', '--yes', '--timeout', '2m']),
      cli(['peer', 'disable', 'cluster-3', '--yes', '--timeout', '2m']),
    ])
    expect(a.code, a.stderr).toBe(0)
    expect(b.code, b.stderr).toBe(0)
    expect(switchWrites(since, 'cluster-2')).toHaveLength(1)
    expect(switchWrites(since, 'cluster-3')).toHaveLength(1)
    await untilPlaced(
      ns.name,
      '3 pods ready, all local',
      120_000,
      (placed) => placed.length === 3 && placed.every((p) => p.ready && p.cluster === 'local'),
    )
  })

  it("a preview taken after the other operator's change reflects it", async () => {
    await restorePeerings()
    const first = await cli(['peer', 'disable', 'cluster-2', '--yes', '--no-wait'])
    expect(first.code, first.stderr).toBe(0)
    const preview = await cli(['peer', 'disable', 'cluster-3', '--dry-run', '-o', 'json'])
    expect(preview.code, preview.stderr).toBe(0)
    const plan = JSON.parse(preview.stdout) as {remainingClusters?: string[]}
    expect(plan.remainingClusters ?? []).not.toContain('cluster-2')
  })
})
