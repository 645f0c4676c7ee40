import {Flags} from '@oclif/core'

import {BaseCommand} from '../../src/cli/base-command.js'
import {kubeFlags, namespaceFlags, outputFlag} from '../../src/cli/flags.js'
import {InterruptedError} from '../../src/toolkit/errors.js'
import {isMachine, renderMachine, renderYaml} from '../../src/render/machine.js'
import {
  placementDocument,
  placementHeaders,
  placementRow,
  renderPlacementSummary,
  renderPlacementTable,
} from '../../src/render/placement.js'
import {columnWidths, renderAlignedRow} from '../../src/render/table.js'
import {readPlacement} from '../../src/liqo/placement.js'
import {watchPlacement} from '../../src/services/pods-where.js'

export default class PodsWhere extends BaseCommand {
  static override summary = 'Show on which cluster every pod runs'
  static override description =
    'Lists pods with the cluster they run on: "local", or the remote cluster reached through a Liqo virtual node ' +
    '(mapped through the node label liqo.io/remote-cluster-id and the ForeignCluster, never by parsing node names). ' +
    'A summary per cluster goes to stderr.'
  static override examples = [
    '<%= config.bin %> pods where --namespace liqo-test',
    '<%= config.bin %> pods where --namespace liqo-test --output wide',
    '<%= config.bin %> pods where --all-namespaces --output json',
    '<%= config.bin %> pods where --namespace liqo-test --watch',
  ]
  static override flags = {
    ...kubeFlags,
    ...namespaceFlags,
    selector: Flags.string({char: 'l', description: 'Label selector, e.g. app=liqo-test.'}),
    output: outputFlag(['table', 'wide', 'json', 'yaml']),
    watch: Flags.boolean({char: 'w', description: 'After listing, keep printing pods as they change or move.', default: false}),
    'no-headers': Flags.boolean({description: 'Do not print the table header.', default: false}),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(PodsWhere)
    const io = this.setupIO(flags)
    const {client, namespace} = await this.connect(flags)
    const opts = {namespace, allNamespaces: flags['all-namespaces'], ...(flags.selector ? {labelSelector: flags.selector} : {})}
    const table = {wide: flags.output === 'wide', allNamespaces: opts.allNamespaces, noHeaders: flags['no-headers']}

    if (!flags.watch) {
      const result = await readPlacement(client, opts)
      for (const w of result.warnings) io.err(`Warning: ${w}`)
      if (isMachine(flags.output)) io.out(renderMachine(flags.output, placementDocument(result)))
      else if (result.items.length) io.out(renderPlacementTable(result, {...table, now: Date.now()}))
      if (!isMachine(flags.output) || result.items.length === 0) io.err(renderPlacementSummary(result))
      return
    }

    let widths: number[] = []
    await watchPlacement(
      client,
      opts,
      this.abort.signal,
      (initial) => {
        for (const w of initial.warnings) io.err(`Warning: ${w}`)
        if (isMachine(flags.output)) {
          for (const item of placementDocument(initial).items as unknown[]) io.out(flags.output === 'json' ? JSON.stringify({type: 'ADDED', item}) : renderYaml({type: 'ADDED', item}) + '---')
          return
        }
        const now = Date.now()
        const headers = placementHeaders(table).map((h) => h.toUpperCase())
        const rows = initial.items.map((i) => placementRow(i, {...table, now}))
        widths = columnWidths(headers, rows)
        if (!table.noHeaders) io.out(renderAlignedRow(widths, headers))
        for (const r of rows) io.out(renderAlignedRow(widths, r))
        io.err(renderPlacementSummary(initial))
      },
      (ev) => {
        if (isMachine(flags.output)) {
          const item = placementDocument({items: [ev.item], clusters: [], allNamespaces: true, context: '', liqo: 'v0', warnings: []}).items as unknown[]
          io.out(flags.output === 'json' ? JSON.stringify({type: ev.type, item: item[0]}) : renderYaml({type: ev.type, item: item[0]}) + '---')
          return
        }
        const row = placementRow(ev.item.status && ev.type === 'DELETED' ? {...ev.item, status: 'Deleted'} : ev.item, {...table, now: Date.now()})
        io.out(renderAlignedRow(widths, row))
      },
    )
    // A watch only ends on Ctrl-C (or a fatal error, thrown above).
    throw new InterruptedError('watch stopped (interrupted)')
  }
}
