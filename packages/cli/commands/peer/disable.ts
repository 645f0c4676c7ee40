import {peerChangeCommand} from '../../src/cli/peer-command.js'

export default peerChangeCommand(
  'disable',
  'Disable the outgoing peering with a remote cluster',
  'Sets spec.outgoingPeeringEnabled to "No" (JSON merge patch). Liqo cordons and drains the virtual node of ' +
    'the cluster through the Eviction API, deletes it and tears down the remote namespaces; the controllers of ' +
    'the pods re-create them on the clusters that remain. Before asking, it shows which pods will be evicted and ' +
    'where they can go, and warns when they would stay Pending. With --wait (default) it returns once ' +
    'rescheduling has converged, then prints a timeline.',
)
