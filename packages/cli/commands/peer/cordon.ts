import {peerCordonCommand} from '../../src/cli/peer-cordon-command.js'

export default peerCordonCommand(
  'cordon',
  'Keep new pods off a remote cluster; the pods running there stay',
  'Puts a NoSchedule taint (liqo-topology/cordon) on every virtual node of the cluster, where Liqo keeps it: ' +
    "on Liqo v1 in the VirtualNodes' spec.taints, which Liqo's virtual kubelet applies to its node; on Liqo " +
    'v0.x on the virtual node itself. The scheduler then places no new pod there; nothing is evicted. It lasts ' +
    'until "peer uncordon" (on Liqo v0.x, a "peer disable" deletes the virtual node and the cordon with it). ' +
    '"peer disable" after a cordon drains the cluster as usual. With --wait (default) it returns once every ' +
    'virtual node shows the taint.',
)
