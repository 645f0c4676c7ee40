/** What both lab modes start their control plane from: the pinned Kubernetes and etcd binaries. */
import {lookupBinaries, type Binaries} from '../binaries.js'

/** The control plane's binaries, or an error that says how to build them. */
export function controlPlaneBinaries(): Binaries {
  const {found, missing} = lookupBinaries()
  if (missing.length) throw new Error(`missing control-plane binaries: ${missing.join(', ')} (run: npm run lab:build)`)
  return found as Binaries
}
