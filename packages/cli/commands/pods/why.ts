import {Args} from '@oclif/core'

import {BaseCommand} from '../../src/cli/base-command.js'
import {kubeFlags, namespaceFlag, outputFlag} from '../../src/cli/flags.js'
import {runPodsWhy} from '../../src/flows/pods-why.js'

export default class PodsWhy extends BaseCommand {
  static override summary = 'Explain why a pod runs on its cluster, or why it is Pending'
  static override description =
    'For a pod: the cluster it runs on and, for every cluster (local and each peered one), whether a pod like ' +
    'it may run there and ' +
    "the first reason it may not, in the scheduler's order: cordon, taints, node affinity (where Liqo puts " +
    "the NamespaceOffloading's " +
    "podOffloadingStrategy and clusterSelector), room on the node. For a Pending pod, also the scheduler's " +
    'last FailedScheduling ' +
    'event and whether our reasoning agrees with it. Without POD: every Pending pod of the namespace.'
  static override examples = [
    '<%= config.bin %> pods why nginx-deployment-8499ccbcb8-hkrmk --namespace liqo-test',
    '<%= config.bin %> pods why --namespace liqo-test',
    '<%= config.bin %> pods why --namespace liqo-test --output wide',
  ]
  static override args = {
    pod: Args.string({description: 'The pod. Omitted: every Pending pod of the namespace.'}),
  }
  static override flags = {
    ...kubeFlags,
    ...namespaceFlag,
    output: outputFlag(['table', 'wide', 'json', 'yaml']),
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(PodsWhy)
    const session = await this.session(flags)
    await runPodsWhy(session, {namespace: session.namespace, ...(args.pod ? {pod: args.pod} : {})})
  }
}
