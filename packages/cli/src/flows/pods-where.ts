/** The flow of `pods where`: the placement once, or (-w) once and then every change, as the printer says. */
import {readPlacement, type PodsWhereOptions, type PodsWhereResult} from '../liqo/placement.js'
import {
  placementDocument,
  placementHeaders,
  placementRow,
  renderPlacementSummary,
  renderPlacementTable,
  type TableOptions,
} from '../render/placement.js'
import {columnWidths, renderAlignedRow} from '../render/table.js'
import {watchPlacement, type PlacementEvent} from '../services/pods-where.js'
import {orderPods} from '../model/placement.js'
import {InterruptedError} from '../toolkit/errors.js'
import type {Session} from './session.js'

/** How the pods are shown: headers or not, and the order (--sort-by key, see sortKey). */
export interface PodsView {
  noHeaders: boolean
  sortBy?: string
}

/** Which pods (the session's namespace, or all) and how they are shown. */
export type PodsWhereFlowOptions = Omit<PodsWhereOptions, 'namespace'> & PodsView

/** The placement's options and the view, from the flow's options and the session's namespace. */
function split(s: Session, o: PodsWhereFlowOptions): {where: PodsWhereOptions; view: PodsView} {
  const {noHeaders, sortBy, ...rest} = o
  return {where: {namespace: s.namespace, ...rest}, view: {noHeaders, ...(sortBy ? {sortBy} : {})}}
}

export async function runPodsWhere(s: Session, options: PodsWhereFlowOptions): Promise<void> {
  const {io, print, client} = s
  const {where: o, view} = split(s, options)
  const placed = await readPlacement(client, o)
  const result = {
    ...placed,
    items: orderPods(placed.items, {allNamespaces: o.allNamespaces, ...(view.sortBy ? {sortBy: view.sortBy} : {})}),
  }
  for (const w of result.warnings) io.err(`Warning: ${w}`)
  const table = {wide: print.wide, allNamespaces: o.allNamespaces, noHeaders: view.noHeaders, now: Date.now()}
  // -o name: one kind/name per line, as kubectl.
  const text = () =>
    print.format === 'name'
      ? result.items.map((i) => `pod/${i.name}\n`).join('')
      : result.items.length
        ? renderPlacementTable(result, table)
        : ''
  print.print({document: () => placementDocument(result), text})
  if (!print.machine || result.items.length === 0) io.err(renderPlacementSummary(result))
}

/**
 * `pods where -w`: the first list as a table (or one ADDED event per pod), then one row (or event) per change, until
 * Ctrl-C.
 */
export async function watchPodsWhere(s: Session, options: PodsWhereFlowOptions): Promise<never> {
  const {io, print, client, signal} = s
  const {where: o, view} = split(s, options)
  const table: Omit<TableOptions, 'now'> = {wide: print.wide, allNamespaces: o.allNamespaces, noHeaders: view.noHeaders}
  let widths: number[] = []
  const onInitial = (initial: PodsWhereResult) => {
    for (const w of initial.warnings) io.err(`Warning: ${w}`)
    if (print.machine) {
      for (const item of placementDocument(initial).items as unknown[])
        print.event({document: () => ({type: 'ADDED', item})})
      return
    }
    const headers = placementHeaders(table).map((h) => h.toUpperCase())
    const rows = orderPods(initial.items, {
      allNamespaces: o.allNamespaces,
      ...(view.sortBy ? {sortBy: view.sortBy} : {}),
    }).map((i) => placementRow(i, {...table, now: Date.now()}))
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
  await watchPlacement(client, {...o, signal, onInitial, onEvent})
  // A watch only ends on Ctrl-C (or a fatal error, thrown above): as kubectl, it ends quietly (exit 130).
  throw new InterruptedError('')
}

/** The document of one pod, as in `pods where -o json`. */
function eventItem(ev: PlacementEvent): unknown {
  return (
    placementDocument({items: [ev.item], clusters: [], allNamespaces: true, context: '', liqo: 'v0', warnings: []})
      .items as unknown[]
  )[0]
}
