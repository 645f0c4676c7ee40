import {peerCordonCommand} from '../../src/cli/peer-cordon-command.js'

export default peerCordonCommand(
  'uncordon',
  'Let new pods land on a remote cluster again',
  'Removes the taint "peer cordon" put on the virtual nodes of the cluster (other taints, Liqo\'s own and ' +
    'those of a disable or a rebalance under way, stay). Running pods are not moved back. With --wait (default) ' +
    'it returns once no virtual node of the cluster shows it.',
)
