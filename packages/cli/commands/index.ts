/**
 * Every command, registered explicitly (oclif's "explicit" strategy): one module to load instead of
 * a directory scan, and what a bundled build needs. Heavy libraries stay lazy inside services.
 * The lab's commands are not here: they are the oclif plugin @liqo-topology/lab (packages/lab).
 */
import {CORE_COMMANDS} from './core.js'

export const COMMANDS = CORE_COMMANDS
