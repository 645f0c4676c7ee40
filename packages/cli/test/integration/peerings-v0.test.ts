/**
 * What only Liqo v0.x has: ForeignClusters that carry a cluster name besides their ID (LAN
 * discovery can make a name ambiguous), and the v0 columns of peer list. On the emulator lab.
 */
import {describe, expect, it} from 'vitest'

import {fcPath} from '../../src/liqo/constants.js'
import {admin, cli, clusterId, lab, skipNote} from '../helpers/lab.js'

describe.skipIf(!lab)(`Liqo v0.x peerings${skipNote}`, () => {
  it('peer list -o wide has the v0 columns (outgoing and incoming peering); the default fits 100 columns', async () => {
    const short = await cli(['peer', 'list'])
    expect(short.stdout.split('\n')[0]).toMatch(/^NAME\s+CLUSTER-ID\s+OUTGOING\s+VIRTUAL-NODE\s+PODS$/)
    expect(Math.max(...short.stdout.split('\n').map((l) => l.length))).toBeLessThanOrEqual(100)
    const table = await cli(['peer', 'list', '-o', 'wide'])
    expect(table.code, table.stderr).toBe(0)
    expect(table.stdout.split('\n')[0]).toMatch(
      // eslint-disable-next-line max-len -- a regex literal cannot be split
      /^NAME\s+CLUSTER-ID\s+CLUSTER-NAME\s+OUTGOING\s+OUTGOING-PHASE\s+INCOMING-PHASE\s+VIRTUAL-NODE\s+NODE-READY\s+PODS\s+REASON\s+AGE$/,
    )
  })

  it('an ambiguous <cluster> lists the choices and changes nothing', async () => {
    const c = await admin()
    const id = '00000000-0000-4000-8000-000000000042'
    await c.create(fcPath(), {
      apiVersion: 'discovery.liqo.io/v1alpha1',
      kind: 'ForeignCluster',
      metadata: {name: 'lan-discovered', labels: {'discovery.liqo.io/cluster-id': id}},
      spec: {
        clusterIdentity: {clusterID: id, clusterName: 'cluster-2'},
        foreignAuthUrl: 'https://10.0.0.9:443',
        outgoingPeeringEnabled: 'No',
      },
    })
    try {
      const r = await cli(['peer', 'disable', 'cluster-2', '--yes'])
      expect(r.code).toBe(1)
      expect(r.stderr).toMatch(/"cluster-2" is ambiguous/)
      expect(r.stderr).toMatch(/cluster-2 \(ID [0-9a-f-]+\) by name and cluster-name/)
      expect(r.stderr).toMatch(
        /lan-discovered \(ID 00000000-0000-4000-8000-000000000042, cluster name cluster-2\) by cluster-name/,
      )
      // The cluster ID is never ambiguous.
      const byId = await cli(['peer', 'disable', clusterId('cluster-2'), '--dry-run'])
      expect(byId.code).toBe(0)
    } finally {
      await c.delete(fcPath('lan-discovered'))
    }
  })

  it(
    'a remote cluster name with escapes, a right-to-left override and 10,000 characters: peer list stays ' +
      'aligned and safe; -o json has it exactly',
    async () => {
      const c = await admin()
      const id = '00000000-0000-4000-8000-0000000000e5'
      const hostile = `\u001b]0;pwned\u0007\u001b[31mevil\u202eeman\n${'x'.repeat(10_000)}`
      await c.create(fcPath(), {
        apiVersion: 'discovery.liqo.io/v1alpha1',
        kind: 'ForeignCluster',
        metadata: {name: 'hostile', labels: {'discovery.liqo.io/cluster-id': id}},
        spec: {
          clusterIdentity: {clusterID: id, clusterName: hostile},
          foreignAuthUrl: 'https://10.0.0.9:443',
          outgoingPeeringEnabled: 'No',
        },
      })
      try {
        const table = await cli(['peer', 'list', '-o', 'wide'])
        expect(table.code, table.stderr).toBe(0)
        expect(table.stdout.replace(/\n/g, '')).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202e]/u)
        const lines = table.stdout.trimEnd().split('\n')
        expect(lines).toHaveLength(4)
        // The third column (CLUSTER-NAME) is cut; the columns after it start at the same place.
        const row = lines.find((l) => l.startsWith('hostile'))!
        expect(row).toContain('\\x1b]0;pwned\\x07')
        expect(row.length).toBeLessThan(600)
        const at = (l: string) => l.search(/\s(OUTGOING|Yes|No)\s/)
        expect(new Set(lines.map(at)).size).toBe(1)
        const doc = JSON.parse((await cli(['peer', 'list', '-o', 'json'])).stdout)
        expect(doc.items.find((i: {name: string}) => i.name === 'hostile').clusterName).toBe(hostile)
      } finally {
        await c.delete(fcPath('hostile'))
      }
    },
  )
})
