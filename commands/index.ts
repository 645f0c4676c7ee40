/**
 * Every command, registered explicitly (oclif's "explicit" strategy): one module to load instead of
 * a directory scan, and what a bundled build needs. Heavy libraries stay lazy inside services.
 */
import LabDown from './lab/down.js'
import LabEnv from './lab/env.js'
import LabStart from './lab/start.js'
import LabStatus from './lab/status.js'
import LabStop from './lab/stop.js'
import LabUp from './lab/up.js'
import PodsWhere from './pods/where.js'

export const COMMANDS = {
  'lab:down': LabDown,
  'lab:env': LabEnv,
  'lab:start': LabStart,
  'lab:status': LabStatus,
  'lab:stop': LabStop,
  'lab:up': LabUp,
  'pods:where': PodsWhere,
}
