/**
 * Every command, registered explicitly (oclif's "explicit" strategy): one module to load instead of
 * a directory scan, and what a bundled build needs. Heavy libraries stay lazy inside services.
 */
import Complete from './__complete.js'
import Board from './board.js'
import Cleanup from './cleanup.js'
import Completion from './completion.js'
import LabDown from './lab/down.js'
import LabEnv from './lab/env.js'
import LabScale from './lab/scale.js'
import LabStart from './lab/start.js'
import LabStatus from './lab/status.js'
import LabStop from './lab/stop.js'
import LabUp from './lab/up.js'
import PeerDisable from './peer/disable.js'
import PeerEnable from './peer/enable.js'
import PeerList from './peer/list.js'
import PodsWhere from './pods/where.js'
import Status from './status.js'
import Version from './version.js'
import Wait from './wait.js'

export const COMMANDS = {
  __complete: Complete,
  board: Board,
  cleanup: Cleanup,
  completion: Completion,
  'lab:down': LabDown,
  'lab:env': LabEnv,
  'lab:scale': LabScale,
  'lab:start': LabStart,
  'lab:status': LabStatus,
  'lab:stop': LabStop,
  'lab:up': LabUp,
  'peer:disable': PeerDisable,
  'peer:enable': PeerEnable,
  'peer:list': PeerList,
  'pods:where': PodsWhere,
  status: Status,
  version: Version,
  wait: Wait,
}
