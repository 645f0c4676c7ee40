/**
 * The Liqo v1 releases the real-Liqo lab runs (`lab up --liqo v1.0|v1.1|v1.2`), and everything
 * that differs between them for what the lab drives, in this one table. Each line is one release
 * that the Go module proxy serves, pinned by its own wrapper module (build/go/…), built by
 * build/build-liqo.sh into its own cache directory with the release's own Helm chart and CRDs.
 *
 * Read from liqotech/liqo at each tag: liqoctl's install, peer and offload flags the lab passes,
 * the chart values it sets (labValues) and the API versions of the CRDs it reads
 * (offloading.liqo.io/v1beta1, core.liqo.io/v1beta1) are the same on all three. What differs:
 * - virtualKubelet.extra.tolerations reaches the virtual kubelets' pods only from v1.1
 *   (VkOptionsTemplate.spec.tolerations); before, those pods tolerate no taint.
 * What differs for the tool's users (a drain's treatment of DaemonSet pods) is not the lab's
 * business: src/liqo/versions.ts.
 */

export const LIQO_V1_LINES = ['v1.0', 'v1.1', 'v1.2'] as const
export type LiqoV1Line = (typeof LIQO_V1_LINES)[number]

export interface LiqoLineSpec {
  /** The wrapper module that pins the release (its go.mod's `require github.com/liqotech/liqo`). */
  goModule: string
  /**
   * Whether the chart's virtualKubelet.extra.tolerations reaches the virtual kubelets' pods. When it
   * does not, the home cluster's node is registered without the control-plane taint, so that they
   * can run there (it is the home cluster's only real node).
   */
  virtualKubeletTolerations: boolean
}

export const LIQO_LINE_SPECS: Record<LiqoV1Line, LiqoLineSpec> = {
  'v1.0': {goModule: 'build/go/liqo-v1.0', virtualKubeletTolerations: false},
  'v1.1': {goModule: 'build/go/liqo-v1.1', virtualKubeletTolerations: true},
  'v1.2': {goModule: 'build/go/liqo', virtualKubeletTolerations: true},
}

/** The line the lab runs when none is named (the newest). */
export const DEFAULT_LIQO_V1_LINE: LiqoV1Line = 'v1.2'

export function isLiqoV1Line(s: string | undefined): s is LiqoV1Line {
  return (LIQO_V1_LINES as readonly string[]).includes(s ?? '')
}
