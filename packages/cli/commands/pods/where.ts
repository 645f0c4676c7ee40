import {Flags} from '@oclif/core'

import {BaseCommand} from '../../src/cli/base-command.js'
import {kubeFlags, namespaceFlags, outputFlag} from '../../src/cli/flags.js'
import {runPodsWhere, watchPodsWhere} from '../../src/flows/pods-where.js'
import {SORT_BY_CHOICES, sortKey} from '../../src/model/placement.js'
import {UsageError} from '../../src/toolkit/errors.js'

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
    'field-selector': Flags.string({
      description: 'Field selector, as kubectl (server-side), e.g. spec.nodeName=cluster-2 or status.phase=Pending.',
    }),
    'sort-by': Flags.string({
      description: `Order of the rows: ${SORT_BY_CHOICES.join(', ')} (kubectl's JSONPath forms work too).`,
    }),
    output: outputFlag(['table', 'wide', 'json', 'yaml', 'name']),
    watch: Flags.boolean({
      char: 'w',
      description: 'After listing, keep printing pods as they change or move.',
      default: false,
    }),
    'no-headers': Flags.boolean({description: 'Do not print the table header.', default: false}),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(PodsWhere)
    const session = await this.session(flags)
    const sortBy = flags['sort-by'] === undefined ? undefined : sortKey(flags['sort-by'])
    if (flags['sort-by'] !== undefined && !sortBy)
      throw new UsageError(
        `--sort-by: cannot sort by "${flags['sort-by']}"`,
        `use one of: ${SORT_BY_CHOICES.join(', ')}`,
      )
    const o = {
      allNamespaces: flags['all-namespaces'],
      ...(flags.selector ? {labelSelector: flags.selector} : {}),
      ...(flags['field-selector'] ? {fieldSelector: flags['field-selector']} : {}),
      noHeaders: flags['no-headers'],
      ...(sortBy ? {sortBy} : {}),
    }
    if (flags.watch) await watchPodsWhere(session, o)
    else await runPodsWhere(session, o)
  }
}
