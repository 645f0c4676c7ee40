import {Flags} from '@oclif/core'

import {BaseCommand} from '../src/cli/base-command.js'
import {systemClock} from '../src/toolkit/clock.js'
import {kubeFlags, namespaceFlag, outputFlag, timeoutFlag, yesFlag} from '../src/cli/flags.js'
import {cleanupPlanDocument, renderCleanupPlan, renderNothingToDo} from '../src/render/cleanup.js'
import {isMachine, renderMachine} from '../src/render/machine.js'
import {requireAccess} from '../src/k8s/access.js'
import {cleanupAccessChecks, loadCleanupPlan, runCleanup} from '../src/services/cleanup.js'
import {confirm} from '../src/ui/confirm.js'
import {makeProgress} from '../src/ui/progress.js'

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
    const io = this.setupIO(flags)
    const {client, namespace} = await this.connect(flags)
    const plan = await loadCleanupPlan(client, {namespace, deployments: flags.deployment, keepPeering: flags['keep-peering']})
    const machine = isMachine(flags.output) ? flags.output : undefined
    if (plan.steps.length === 0) {
      if (machine) io.out(renderMachine(machine, cleanupPlanDocument(plan)))
      io.err(renderNothingToDo(plan))
      return
    }
    if (flags['dry-run']) {
      io.out(machine ? renderMachine(machine, cleanupPlanDocument(plan)) : renderCleanupPlan(plan))
      io.err('(dry run) nothing was changed')
      return
    }
    await requireAccess(client, cleanupAccessChecks(plan), `clean up namespace ${namespace}`)
    io.err(renderCleanupPlan(plan))
    await confirm(io, {
      message: `Run these ${plan.steps.length} steps on context "${plan.context}"?`,
      yes: flags.yes || flags['skip-confirm'],
      action: `clean up namespace ${namespace}`,
      declined: 'nothing was deleted',
      signal: this.abort.signal,
    })
    const progress = await makeProgress(io)
    const done = await runCleanup(client, plan, {
      timeoutMs: flags.timeout,
      signal: this.abort.signal,
      clock: systemClock,
      onStep: (i, total, step) => progress.update(`step ${i}/${total}: ${step.kind.replace(/-/g, ' ')}…`),
      onProgress: (m) => progress.update(m),
      onConnection: (up, detail) => (up ? progress.info(`connection to ${client.server} restored`) : progress.warn(`lost the API server (${detail}); reconnecting`)),
    }).catch((e: unknown) => {
      progress.stop()
      throw e
    })
    progress.succeed(`cleanup of ${namespace} done (${done.length} steps)`)
    if (machine) io.out(renderMachine(machine, {...cleanupPlanDocument(plan), kind: 'CleanupResult', done: done.map((d) => ({line: d.line, elapsedMs: d.elapsedMs}))}))
    else io.out(done.map((d) => `${d.line} (${(d.elapsedMs / 1000).toFixed(1)}s)`).join('\n') + '\n')
  }
}
