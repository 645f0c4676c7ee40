/**
 * The real-Liqo lab for the integration-v1 projects: Liqo's own controllers of the line the project
 * is named after (integration-v1.0, integration-v1.1), or v1.2 (integration-v1, the whole v1 suite).
 */
import type {TestProject} from 'vitest/node'

import {DEFAULT_LIQO_V1_LINE, isLiqoV1Line} from '@liqo-topology/lab/v1/liqo-lines'
import {labSetup} from '../global-setup.js'

export default function setup(project: TestProject) {
  const named = /^integration-(v1\.\d+)$/.exec(project.name)?.[1]
  return labSetup(isLiqoV1Line(named) ? named : DEFAULT_LIQO_V1_LINE)(project)
}
