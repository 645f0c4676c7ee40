import {Flags} from '@oclif/core'

import {BaseCommand} from '../src/cli/base-command.js'
import {kubeFlags, namespaceFlag, outputFlag, timeoutFlag, yesFlag} from '../src/cli/flags.js'
import {runCleanupFlow} from '../src/flows/cleanup.js'

export default class Cleanup extends BaseCommand {
  static override summary = "Tear down the tutorial's offloading, in order, each step waited for"
  static override description =
    'Shows the plan first, then: deletes the Deployment(s) and waits for their pods → deletes the NamespaceOffloading ' +
    '"offloading" and waits for its finalizer (remote namespaces gone) → deletes the namespace and waits until it is gone → ' +
    'disables outgoing peering on every ForeignCluster and waits for None (skip with --keep-peering). The plan is computed ' +
    'from what exists, so an interrupted run resumes where it stopped and a second run has nothing to do (exit 0). ' +
    'Each step waits up to --timeout; a stuck finalizer is reported, never removed.'
  static override examples = [
    '<%= config.bin %> cleanup --namespace liqo-test',
    '<%= config.bin %> cleanup --namespace liqo-test --deployment nginx-deployment --keep-peering --yes',
    '<%= config.bin %> cleanup --namespace liqo-test --dry-run',
  ]
  static override flags = {
    ...kubeFlags,
    ...namespaceFlag,
    deployment: Flags.string({description: 'Deployment to delete (repeatable; default: every Deployment of the namespace).', multiple: true, default: []}),
    'keep-peering': Flags.boolean({description: 'Leave the outgoing peerings as they are.', default: false}),
    ...yesFlag,
    'dry-run': Flags.boolean({description: 'Only show the plan.', default: false}),
    ...timeoutFlag(120_000, '2m per step'),
    output: outputFlag(['table', 'json', 'yaml']),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(Cleanup)
    const {io, print, client, namespace} = await this.session(flags)
    const plan = {namespace, deployments: flags.deployment, keepPeering: flags['keep-peering']}
    await runCleanupFlow(io, print, client, plan, flags, this.abort.signal)
  }
}
