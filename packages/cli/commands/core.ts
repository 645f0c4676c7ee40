/**
 * Every command except the lab's: what the start-up snapshot (packages/launcher) holds ready.
 * The lab's commands (the @liqo-topology/lab plugin, packages/lab) run from the plain bundle only:
 * they start processes from files next to the lab's own bundle.
 */
import Complete from './__complete.js'
import Board from './board.js'
import Cleanup from './cleanup.js'
import Completion from './completion.js'
import PeerCordon from './peer/cordon.js'
import PeerDisable from './peer/disable.js'
import PeerEnable from './peer/enable.js'
import PeerList from './peer/list.js'
import PeerUncordon from './peer/uncordon.js'
import PodsWhere from './pods/where.js'
import PodsWhy from './pods/why.js'
import Rebalance from './rebalance.js'
import Status from './status.js'
import Version from './version.js'
import Wait from './wait.js'

export const CORE_COMMANDS = {
  __complete: Complete,
  board: Board,
  cleanup: Cleanup,
  completion: Completion,
  'peer:cordon': PeerCordon,
  'peer:disable': PeerDisable,
  'peer:enable': PeerEnable,
  'peer:list': PeerList,
  'peer:uncordon': PeerUncordon,
  'pods:where': PodsWhere,
  'pods:why': PodsWhy,
  rebalance: Rebalance,
  status: Status,
  version: Version,
  wait: Wait,
}
