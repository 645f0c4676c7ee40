import {describe, expect, it} from 'vitest'

import type {Json, KubeClient} from 'liqo-topology/k8s/client'
import {untilWatched} from '../../src/tutorial.js'

/** A client whose lists answer `items` by path and whose watches stay open with no event until aborted. */
function quietClient(items: Record<string, Json[]>): KubeClient {
  return {
    list: async (path: string, _opts: unknown, map: (raw: Json) => unknown) => ({
      items: (items[path] ?? []).map(map),
      resourceVersion: '1',
    }),
    async *watch(_path: string, opts: {signal?: AbortSignal}) {
      await new Promise((r) => opts.signal?.addEventListener('abort', r, {once: true}))
      // Ends without an event once aborted (a watch that brought nothing).
      yield* []
    },
  } as unknown as KubeClient
}

describe('untilWatched', () => {
  it('checks once every list is in, also when the lists came back empty (no change to report)', async () => {
    const client = quietClient({'/nodes': [{metadata: {name: 'n1'}}]})
    const seen = await untilWatched(client, ['/nodes', '/services', '/endpointslices'], 'lists', 5_000, (lists) =>
      lists.map((l) => l.length).join(','),
    )
    expect(seen).toBe('1,0,0')
  })
})
