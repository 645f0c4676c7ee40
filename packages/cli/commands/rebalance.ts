import {Flags} from '@oclif/core'

import {BaseCommand} from '../src/cli/base-command.js'
import {durationFlag, forceFlag, kubeFlags, namespaceFlags, outputFlag, timeoutFlag, yesFlag} from '../src/cli/flags.js'
import {runRebalance} from '../src/flows/rebalance.js'

export default class Rebalance extends BaseCommand {
  static override summary = "Spread a namespace's pods back over the clusters they may run on"
  static override description =
    'After a cluster comes back (peer enable), the pods a disable moved away stay where they are. rebalance ' +
    'plans, per ' +
    'controller, the spread to aim for: even across the clusters the pods may run on (the ' +
    "NamespaceOffloading's strategy " +
    "and clusterSelector, the pods' own node selector, affinity and tolerations; a remote cluster counts once " +
    'its virtual ' +
    "node has been Ready for --stable-for), or the workload's own topologySpreadConstraints. It shows each " +
    'pod to move and ' +
    'from where, then evicts them through the Eviction API (PodDisruptionBudgets respected and named), ' +
    '--max-unavailable ' +
    'at a time per controller, each replacement Ready before the next eviction. The scheduler still places the ' +
    'replacements; the clusters that should receive nothing are cordoned (a NoSchedule taint of the run, ' +
    'liqo-topology/rebalance-<run>, with a lease it renews, ' +
    'on their virtual nodes, through the VirtualNode on Liqo v1) for the move and uncordoned after it, also ' +
    'after Ctrl-C, and by the next run after a crash. ' +
    'A budget that allows no eviction stops the plan (exit 3; --force moves the rest). A second run has ' +
    'nothing to move.'
  static override examples = [
    '<%= config.bin %> rebalance -n liqo-test',
    '<%= config.bin %> rebalance -n liqo-test --dry-run -o yaml',
    '<%= config.bin %> rebalance -n liqo-test --yes --stable-for 10s --max-unavailable 2',
    '<%= config.bin %> rebalance -A --yes',
  ]
  static override flags = {
    ...kubeFlags,
    ...namespaceFlags,
    'stable-for': durationFlag({
      description: 'How long a virtual node must have been Ready before its cluster counts.',
      default: 30_000,
      defaultHelp: async () => '30s',
    }),
    'max-unavailable': Flags.integer({
      description: 'Pods of one controller evicted at once (PodDisruptionBudgets may allow fewer).',
      default: 1,
      min: 1,
    }),
    ...yesFlag,
    ...forceFlag,
    'dry-run': Flags.boolean({description: 'Only show the plan.', default: false}),
    ...timeoutFlag(180_000, '3m per batch'),
    output: outputFlag(['table', 'json', 'yaml']),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(Rebalance)
    const {io, print, client, namespace} = await this.session(flags)
    const session = {io, print, client, namespace, signal: this.abort.signal, stage: this.stage}
    await runRebalance(session, {
      allNamespaces: flags['all-namespaces'],
      stableForMs: flags['stable-for'],
      maxUnavailable: flags['max-unavailable'],
      dryRun: flags['dry-run'],
      yes: flags.yes || flags['skip-confirm'],
      force: flags.force,
      timeoutMs: flags.timeout,
    })
  }
}
