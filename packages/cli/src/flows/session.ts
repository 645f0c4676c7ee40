/**
 * What every flow is given by its command, besides its own options: where output goes, the home
 * cluster's client and namespace, the signal that stops it (Ctrl-C, SIGTERM, SIGHUP), and where a
 * flow that changes the cluster records how far it got (for the "finish with" line).
 */
import type {KubeClient} from '../k8s/client.js'
import type {IO} from '../toolkit/io.js'
import type {Stage} from '../toolkit/rerun.js'
import type {Printer} from '../ui/printer.js'

export interface Session {
  io: IO
  print: Printer
  client: KubeClient
  /** The namespace of the kubeconfig's context, or of -n. */
  namespace: string
  signal: AbortSignal
  stage: Stage
}
