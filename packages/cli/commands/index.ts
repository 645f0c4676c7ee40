/**
 * Every command, registered explicitly (oclif's "explicit" strategy): one module to load instead of
 * a directory scan, and what a bundled build needs. Heavy libraries stay lazy inside services.
 */
import {CORE_COMMANDS} from './core.js'
import LabDown from './lab/down.js'
import LabEnv from './lab/env.js'
import LabScale from './lab/scale.js'
import LabStart from './lab/start.js'
import LabStatus from './lab/status.js'
import LabStop from './lab/stop.js'
import LabUp from './lab/up.js'

export const COMMANDS = {
  ...CORE_COMMANDS,
  'lab:down': LabDown,
  'lab:env': LabEnv,
  'lab:scale': LabScale,
  'lab:start': LabStart,
  'lab:status': LabStatus,
  'lab:stop': LabStop,
  'lab:up': LabUp,
}
