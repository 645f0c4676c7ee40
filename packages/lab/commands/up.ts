import {Flags} from '@oclif/core'

import {BaseCommand, durationFlag, makeProgress} from 'liqo-topology/command'
import {labDirFlag} from '../cli/lab-flags.js'
import {LAB_LIQO_LINES, labUp} from '../src/lab.js'
import {renderLabReady} from '../cli/lab-render.js'

export default class LabUp extends BaseCommand {
  static override summary = 'Start a local three-cluster Liqo lab on a real Kubernetes control plane'
  static override description =
    'Starts etcd, a kube-apiserver and kube-controller-manager per cluster (cluster-1, cluster-2, cluster-3) and a ' +
    'kube-scheduler for cluster-1 on 127.0.0.1, plus an emulator of Liqo v0.3 (ForeignClusters, virtual nodes, ' +
    'NamespaceOffloading, the pod webhook). cluster-1 is peered with cluster-2 and cluster-3. ' +
    "With --liqo v1.0, v1.1 or v1.2 the clusters run Liqo's own controllers of that release instead (v1.0.1, " +
    "v1.1.2, v1.2.0; installed with liqoctl from the release's chart, networking disabled, peered with liqoctl " +
    'peer), kwok worker nodes on cluster-2 and cluster-3, and a ' +
    'scheduler per cluster; it needs root (pods run in network namespaces on a host bridge). Everything is built ' +
    'from the Go module proxy on first use of each release (cached in ~/.cache/liqo-topology). ' +
    'Idempotent: a running lab is reported, not restarted.'
  static override examples = [
    '<%= config.bin %> lab up --tutorial',
    '<%= config.bin %> lab up --liqo v1.2 --tutorial',
    'eval "$(<%= config.bin %> lab env)" && kubectl get foreignclusters',
  ]
  static override flags = {
    ...labDirFlag,
    liqo: Flags.string({
      description: "Which Liqo the clusters run: v0.3 (the emulator), or v1.0, v1.1, v1.2 (Liqo's own controllers).",
      options: [...LAB_LIQO_LINES],
      default: 'v0.3',
    }),
    tutorial: Flags.boolean({
      description:
        'Also set up the tutorial: namespace liqo-test offloaded and nginx-deployment (3 replicas) on ' +
        'cluster-2 and cluster-3.',
      default: false,
    }),
    delay: durationFlag({
      description: 'Delay between Liqo peering phases (Pending, Established, Disconnecting, None).',
      default: 1000,
      defaultHelp: async () => '1s',
    }),
    build: Flags.boolean({
      description: 'Build missing control-plane binaries (needs Go).',
      default: true,
      allowNo: true,
    }),
    'no-color': Flags.boolean({description: 'Disable colours.', default: false}),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(LabUp)
    const io = this.setupIO(flags)
    const progress = await makeProgress(io)
    const started = Date.now()
    const r = await labUp({
      dir: flags.dir,
      tutorial: flags.tutorial,
      liqo: flags.liqo as (typeof LAB_LIQO_LINES)[number],
      delayMs: flags.delay,
      build: flags.build,
      onProgress: (m) => progress.update(m),
      signal: this.abort.signal,
    }).catch((e: unknown) => {
      progress.fail('the lab did not start')
      throw e
    })
    if (r.alreadyRunning) {
      progress.succeed(`the lab in ${flags.dir} is already running${r.tutorialAdded ? '; tutorial state added' : ''}`)
    } else {
      progress.succeed('lab started')
    }
    io.err(renderLabReady(r.state, Date.now() - started))
  }
}
