/**
 * The lab's commands (`liqo-topology lab …`), registered explicitly as the product's are: the oclif
 * plugin's command registry (package.json, oclif.commands).
 */
import LabDown from './down.js'
import LabEnv from './env.js'
import LabScale from './scale.js'
import LabStart from './start.js'
import LabStatus from './status.js'
import LabStop from './stop.js'
import LabUp from './up.js'

export const COMMANDS = {
  'lab:down': LabDown,
  'lab:env': LabEnv,
  'lab:scale': LabScale,
  'lab:start': LabStart,
  'lab:status': LabStatus,
  'lab:stop': LabStop,
  'lab:up': LabUp,
}
