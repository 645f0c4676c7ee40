import {Flags} from '@oclif/core'

import {BaseCommand, makeProgress} from 'liqo-topology/command'
import {labDirFlag} from '../cli/lab-flags.js'
import {labScale} from '../src/lab.js'

export default class LabScale extends BaseCommand {
  static override summary = 'Populate the scale scenario in the running lab: many remote clusters, many pods'
  static override description =
    'Peers cluster-1 with more remote clusters (beyond cluster-2 and cluster-3, they exist only as virtual ' +
    'nodes) and creates pods in one offloaded namespace through Deployments, placed by the real scheduler. For ' +
    'benchmarks.'
  static override examples = ['<%= config.bin %> lab scale --clusters 100 --pods 10000']
  static override flags = {
    ...labDirFlag,
    clusters: Flags.integer({description: 'Remote clusters in all.', default: 100, min: 2, max: 200}),
    pods: Flags.integer({description: 'Pods in the namespace.', default: 10_000, min: 1, max: 50_000}),
    namespace: Flags.string({char: 'n', description: 'Namespace to create.', default: 'scale'}),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(LabScale)
    const progress = await makeProgress(this.io)
    progress.update(
      `peering ${flags.clusters} remote clusters and creating ${flags.pods} pods in ${flags.namespace} (see ` +
        `logs/supervisor.log)`,
    )
    const r = await labScale(flags.dir, flags)
    progress.succeed(
      `scale scenario ready in ${(r.ms / 1000).toFixed(0)}s: ${flags.clusters} remote clusters, ${flags.pods} ` +
        `pods in ${flags.namespace}`,
    )
  }
}
