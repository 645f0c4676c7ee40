/**
 * What only Liqo v0.x has: ForeignClusters that carry a cluster name besides their ID (LAN
 * discovery can make a name ambiguous), and the v0 columns of peer list. On the emulator lab.
 */
import {describe, expect, it} from 'vitest'

import {fcPath} from '../../src/liqo/constants.js'
import {admin, cli, clusterId, lab, skipNote} from '../helpers/lab.js'

describe.skipIf(!lab)(`Liqo v0.x peerings${skipNote}`, () => {
  it('peer list has the v0 columns (outgoing and incoming peering)', async () => {
    const table = await cli(['peer', 'list'])
    expect(table.code, table.stderr).toBe(0)
    expect(table.stdout.split('\n')[0]).toMatch(/^NAME\s+CLUSTER-ID\s+CLUSTER-NAME\s+OUTGOING\s+OUTGOING-PHASE\s+INCOMING-PHASE\s+VIRTUAL-NODE\s+NODE-READY\s+PODS$/)
  })

  it('an ambiguous <cluster> lists the choices and changes nothing', async () => {
    const c = await admin()
    const id = '00000000-0000-4000-8000-000000000042'
    await c.create(fcPath(), {
      apiVersion: 'discovery.liqo.io/v1alpha1',
      kind: 'ForeignCluster',
      metadata: {name: 'lan-discovered', labels: {'discovery.liqo.io/cluster-id': id}},
      spec: {clusterIdentity: {clusterID: id, clusterName: 'cluster-2'}, foreignAuthUrl: 'https://10.0.0.9:443', outgoingPeeringEnabled: 'No'},
    })
    try {
      const r = await cli(['peer', 'disable', 'cluster-2', '--yes'])
      expect(r.code).toBe(1)
      expect(r.stderr).toMatch(/"cluster-2" is ambiguous/)
      expect(r.stderr).toMatch(/cluster-2 \(ID [0-9a-f-]+\) by name and cluster-name/)
      expect(r.stderr).toMatch(/lan-discovered \(ID 00000000-0000-4000-8000-000000000042, cluster name cluster-2\) by cluster-name/)
      // The cluster ID is never ambiguous.
      const byId = await cli(['peer', 'disable', clusterId('cluster-2'), '--dry-run'])
      expect(byId.code).toBe(0)
    } finally {
      await c.delete(fcPath('lan-discovered'))
    }
  })
})
