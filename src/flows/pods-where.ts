/** The flow of `pods where`: the placement once, or (-w) once and then every change, as the printer says. */
import type {KubeClient} from '../k8s/client.js'
import {readPlacement, type PodsWhereOptions, type PodsWhereResult} from '../liqo/placement.js'
import {placementDocument, placementHeaders, placementRow, renderPlacementSummary, renderPlacementTable, type TableOptions} from '../render/placement.js'
import {columnWidths, renderAlignedRow} from '../render/table.js'
import {watchPlacement, type PlacementEvent} from '../services/pods-where.js'
import {orderPods} from '../model/placement.js'
import {InterruptedError} from '../toolkit/errors.js'
import type {IO} from '../toolkit/io.js'
import type {Printer} from '../ui/printer.js'

/** How the pods are shown: headers or not, and the order (--sort-by key, see sortKey). */
export interface PodsView {
  noHeaders: boolean
  sortBy?: string
}

export async function runPodsWhere(io: IO, print: Printer, client: KubeClient, o: PodsWhereOptions, view: PodsView): Promise<void> {
  const placed = await readPlacement(client, o)
  const result = {...placed, items: orderPods(placed.items, {allNamespaces: o.allNamespaces, ...(view.sortBy ? {sortBy: view.sortBy} : {})})}
  for (const w of result.warnings) io.err(`Warning: ${w}`)
  const table = {wide: print.wide, allNamespaces: o.allNamespaces, noHeaders: view.noHeaders, now: Date.now()}
  // -o name: one kind/name per line, as kubectl.
  const text = () => (print.format === 'name' ? result.items.map((i) => `pod/${i.name}\n`).join('') : result.items.length ? renderPlacementTable(result, table) : '')
  print.print({document: () => placementDocument(result), text})
  if (!print.machine || result.items.length === 0) io.err(renderPlacementSummary(result))
}

/** `pods where -w`: the first list as a table (or one ADDED event per pod), then one row (or event) per change, until Ctrl-C. */
export async function watchPodsWhere(io: IO, print: Printer, client: KubeClient, o: PodsWhereOptions, view: PodsView, signal: AbortSignal): Promise<never> {
  const table: Omit<TableOptions, 'now'> = {wide: print.wide, allNamespaces: o.allNamespaces, noHeaders: view.noHeaders}
  let widths: number[] = []
  const onInitial = (initial: PodsWhereResult) => {
    for (const w of initial.warnings) io.err(`Warning: ${w}`)
    if (print.machine) {
      for (const item of placementDocument(initial).items as unknown[]) print.event({document: () => ({type: 'ADDED', item})})
      return
    }
    const headers = placementHeaders(table).map((h) => h.toUpperCase())
    const rows = orderPods(initial.items, {allNamespaces: o.allNamespaces, ...(view.sortBy ? {sortBy: view.sortBy} : {})}).map((i) => placementRow(i, {...table, now: Date.now()}))
    widths = columnWidths(headers, rows)
    if (!table.noHeaders) io.out(renderAlignedRow(widths, headers))
    for (const r of rows) io.out(renderAlignedRow(widths, r))
    io.err(renderPlacementSummary(initial))
  }
  const onEvent = (ev: PlacementEvent) =>
    print.event({
      document: () => ({type: ev.type, item: eventItem(ev)}),
      // As kubectl get -w: a deleted pod's last state, no marker of our own.
      text: () => renderAlignedRow(widths, placementRow(ev.item, {...table, now: Date.now()})),
    })
  await watchPlacement(client, o, signal, onInitial, onEvent)
  // A watch only ends on Ctrl-C (or a fatal error, thrown above): as kubectl, it ends quietly (exit 130).
  throw new InterruptedError('')
}

/** The document of one pod, as in `pods where -o json`. */
function eventItem(ev: PlacementEvent): unknown {
  return (placementDocument({items: [ev.item], clusters: [], allNamespaces: true, context: '', liqo: 'v0', warnings: []}).items as unknown[])[0]
}
