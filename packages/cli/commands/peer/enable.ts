import {peerChangeCommand} from '../../src/cli/peer-command.js'

export default peerChangeCommand(
  'enable',
  'Enable the outgoing peering with a remote cluster',
  'Sets spec.outgoingPeeringEnabled to "Yes" (JSON merge patch). Liqo re-creates the virtual node and the ' +
    'remote namespaces. With --wait (default) it returns once the peering is Established, the virtual node Ready ' +
    'and the remote namespaces Ready. Running pods are not moved back.',
)
