/**
 * The real-Liqo lab's peering step (`liqoctl peer --networking-disabled` from cluster-1 to the
 * providers, then waiting until Liqo has taken the peerings over) and the tutorial's state on top
 * of it, the v1 way. Part of ./liqo-lab.ts's named steps.
 */
import {join} from 'node:path'

import type {LiqoArtifacts} from '../binaries.js'
import {LAB_CLUSTERS, connectKubeconfig, type LabContext} from '../runtime.js'
import {
  createIfMissing,
  deployTutorialWorkload,
  TUTORIAL_NAMESPACE,
  untilWatched,
  waitVirtualNodesReady,
} from '../tutorial.js'
import {liqoctl, offloadArgs, peerArgs} from './liqoctl.js'

export async function peerStep(ctx: LabContext, art: LiqoArtifacts): Promise<void> {
  const tool = {
    bin: art.bins.get('liqoctl')!,
    kubeconfig: ctx.paths.kubeconfig,
    log: join(ctx.paths.logs, 'liqoctl.log'),
  }
  const [home, ...remotes] = LAB_CLUSTERS
  for (const r of remotes) {
    ctx.progress(`peering ${home!.name} with ${r.name} (liqoctl peer --networking-disabled)`)
    await liqoctl(tool, peerArgs(ctx.paths.kubeconfig, home!.name, r.name))
  }
  const client = await connectKubeconfig(ctx.paths.kubeconfig, home!.name)
  try {
    await waitVirtualNodesReady(
      client,
      remotes.map((r) => r.name),
    )
  } finally {
    client.close()
  }
  await namespaceMapsTakenOver(
    ctx.paths.kubeconfig,
    home!.name,
    remotes.map((r) => r.name),
  )
}

const NAMESPACE_MAP_FINALIZER = 'namespacemap-controller.liqo.io/finalizer'

/**
 * Waits until each provider's controller manager has taken over the NamespaceMap that the home
 * cluster replicates there at peering (its finalizer and a first status written), which is what
 * offloading a namespace goes through. An offloading that arrives while those first writes are
 * still going on meets a conflict, and Liqo's retry, on caches that have not yet seen the
 * namespace it just created, records CreationLoopBackOff: the "SomeFailed" that `liqoctl offload
 * namespace` gives up on.
 */
async function namespaceMapsTakenOver(kubeconfig: string, home: string, providers: string[]): Promise<void> {
  await Promise.all(
    providers.map(async (p) => {
      const client = await connectKubeconfig(kubeconfig, p)
      try {
        await untilWatched(
          client,
          ['/apis/offloading.liqo.io/v1beta1/namespacemaps'],
          `${p}'s controller manager to take over ${home}'s NamespaceMap`,
          120_000,
          ([maps]) =>
            maps!.some(
              (m) =>
                m.metadata?.labels?.['liqo.io/originID'] === home &&
                (m.metadata?.finalizers ?? []).includes(NAMESPACE_MAP_FINALIZER) &&
                m.status,
            ),
        )
      } finally {
        client.close()
      }
    }),
  )
}

/** The tutorial's state, the v1 way: liqoctl offload namespace, then the nginx Deployment. */
export async function setupTutorialV1(
  kubeconfig: string,
  liqoctlBin: string,
  logs: string,
  onProgress: (m: string) => void,
): Promise<void> {
  const [home, ...remotes] = LAB_CLUSTERS
  const client = await connectKubeconfig(kubeconfig, home!.name)
  try {
    await waitVirtualNodesReady(
      client,
      remotes.map((r) => r.name),
    )
    await namespaceMapsTakenOver(
      kubeconfig,
      home!.name,
      remotes.map((r) => r.name),
    )
    await createIfMissing(client, '/api/v1/namespaces', {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {name: TUTORIAL_NAMESPACE},
    })
    onProgress(
      `offloading namespace ${TUTORIAL_NAMESPACE} (liqoctl offload namespace --pod-offloading-strategy Remote)`,
    )
    await liqoctl(
      {bin: liqoctlBin, kubeconfig, log: join(logs, 'liqoctl.log')},
      offloadArgs(home!.name, TUTORIAL_NAMESPACE),
    )
    await deployTutorialWorkload(
      client,
      remotes.map((r) => r.name),
      onProgress,
    )
  } finally {
    client.close()
  }
}
