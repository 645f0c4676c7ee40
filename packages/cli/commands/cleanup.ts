import {Flags} from '@oclif/core'

import {BaseCommand} from '../src/cli/base-command.js'
import {forceFlag, kubeFlags, namespaceFlag, outputFlag, timeoutFlag, yesFlag} from '../src/cli/flags.js'
import {runCleanupFlow} from '../src/flows/cleanup.js'

export default class Cleanup extends BaseCommand {
  static override summary = "Tear down the tutorial's offloading, in order, each step waited for"
  static override description =
    'Shows the plan first, then: deletes the Deployment(s) and waits for their pods → deletes the ' +
    'NamespaceOffloading "offloading" and waits for its finalizer (remote namespaces gone) → deletes the ' +
    'namespace and waits until it is gone → disables outgoing peering on every ForeignCluster and waits for ' +
    'None (skip with --keep-peering; on Liqo v1.x this sets createNode: false on its VirtualNodes and waits ' +
    'until their nodes are gone, and --unpeer tears the peerings down as liqoctl unpeer does, with ' +
    '--remote-context for each remote cluster). The plan is computed from what exists, so an interrupted run ' +
    'resumes where it stopped and a second run has nothing to do (exit 0). Each step waits up to --timeout; a ' +
    'stuck finalizer is reported, never removed. Switching the peerings off affects every namespace with pods ' +
    'on those clusters: the plan lists them, and such a cleanup needs --force (or --keep-peering).'
  static override examples = [
    '<%= config.bin %> cleanup --namespace liqo-test',
    '<%= config.bin %> cleanup --namespace liqo-test --deployment nginx-deployment --keep-peering --yes',
    '<%= config.bin %> cleanup --namespace liqo-test --dry-run',
    '<%= config.bin %> cleanup --namespace liqo-test --unpeer --remote-context cluster-2 --remote-context cluster-3',
  ]
  static override flags = {
    ...kubeFlags,
    ...namespaceFlag,
    deployment: Flags.string({
      description: 'Deployment to delete (repeatable; default: every Deployment of the namespace).',
      multiple: true,
      default: [],
    }),
    'keep-peering': Flags.boolean({
      description: 'Leave the outgoing peerings as they are.',
      default: false,
      exclusive: ['unpeer'],
    }),
    unpeer: Flags.boolean({
      description:
        'Liqo v1.x: as the last step, tear down each peering as liqoctl unpeer does (ResourceSlices and ' +
        'VirtualNodes, the Identity and the remote Tenant, networking leftovers) instead of pausing ' +
        'offloading. Needs --remote-context for every peered cluster.',
      default: false,
    }),
    'remote-context': Flags.string({
      description: 'Context of a peered (remote) cluster in the same kubeconfig, for --unpeer (repeatable).',
      multiple: true,
      default: [],
      dependsOn: ['unpeer'],
    }),
    ...yesFlag,
    ...forceFlag,
    'dry-run': Flags.boolean({description: 'Only show the plan.', default: false}),
    ...timeoutFlag(120_000, '2m per step'),
    output: outputFlag(['table', 'json', 'yaml']),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(Cleanup)
    const session = await this.session(flags)
    const unpeer = flags.unpeer ? await this.remotes(flags, flags['remote-context']) : undefined
    await runCleanupFlow(session, {
      deployments: flags.deployment,
      keepPeering: flags['keep-peering'],
      ...(unpeer ? {unpeer} : {}),
      yes: flags.yes || flags['skip-confirm'],
      force: flags.force,
      dryRun: flags['dry-run'],
      timeoutMs: flags.timeout,
    })
  }
}
