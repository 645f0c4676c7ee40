/**
 * What a plugin's commands (the lab's, packages/lab) take from the product to behave as its own do:
 * the command base (the Session, Ctrl-C, the one error handler and exit codes), the shared flags,
 * the printer, progress on stderr and tables. Exported as `liqo-topology/command` (package.json "exports").
 */
export {BaseCommand} from './base-command.js'
export {durationFlag, outputFlag} from './flags.js'
export {Printer} from '../ui/printer.js'
export {makeProgress, type Progress} from '../ui/progress.js'
export {renderTable} from '../render/table.js'
