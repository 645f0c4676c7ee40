import {Flags} from '@oclif/core'

import {defaultLabDir} from '../src/state.js'

export const labDirFlag = {
  dir: Flags.string({
    description:
      'Lab directory (state, kubeconfig, logs). Default: $LIQO_TOPOLOGY_LAB_DIR or ~/.local/state/liqo-topology/lab.',
    default: async () => defaultLabDir(),
    defaultHelp: async () => '~/.local/state/liqo-topology/lab',
  }),
}
