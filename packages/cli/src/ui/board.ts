/**
 * The live board, drawn with Ink (React for terminals) on stderr, full screen: one column per
 * cluster with its peering state in the header, the pods as coloured cells that move as they are
 * rescheduled, the last events in a footer. Re-flows on resize (Ink re-renders on the terminal's
 * size). Keys: ←/→ (or h/l) select a cluster, d / e disable / enable it (a preview and a y/N
 * question, as peer disable|enable), r rebalances the pods (the same, as rebalance), q or Ctrl-C
 * leave. Loaded lazily: only `board` pays for Ink.
 */
import type React from 'react'

import type {PodLook} from '../render/board.js'
import {lazyImport} from '../toolkit/lazy.js'
import {safeText} from '../toolkit/text.js'
import type {BoardHandlers, BoardStore, BoardView} from './board-store.js'

const COLOURS: Record<PodLook, string> = {
  ready: 'green',
  starting: 'cyan',
  pending: 'yellow',
  terminating: 'gray',
  failed: 'red',
}
const MARKS: Record<PodLook, string> = {ready: '●', starting: '◐', pending: '○', terminating: '✕', failed: '!'}

const time = (d: Date) => d.toTimeString().slice(0, 8)

interface Ui {
  h: typeof React.createElement
  Box: typeof import('ink').Box
  Text: typeof import('ink').Text
}

/** The screen: header, one column per cluster, the question if any, the status line and the last events. */
function layout(ui: Ui, view: BoardView, selected: number, size: {columns: number; rows: number}): React.ReactElement {
  const {h, Box, Text} = ui
  const n = Math.max(1, view.columns.length)
  const width = Math.max(14, Math.floor(size.columns / n))
  const footer = 6
  const cellRows = Math.max(3, size.rows - footer - 6)
  const header = h(
    Text,
    {wrap: 'truncate'},
    h(Text, {bold: true}, 'liqo-topology board'),
    ` — context ${safeText(view.context)}, ${safeText(view.scope)} — ←/→ select, d disable, e enable, ` +
      'r rebalance, q quit',
  )
  const columns = h(
    Box,
    {flexDirection: 'row'},
    ...view.columns.map((c, i) =>
      h(
        Box,
        {
          key: c.key,
          flexDirection: 'column',
          width,
          borderStyle: 'round',
          borderColor: i === selected ? 'cyan' : 'gray',
          paddingX: 1,
        },
        h(Text, {bold: true, wrap: 'truncate'}, safeText(c.title)),
        h(
          Text,
          {dimColor: true, wrap: 'truncate'},
          `${safeText(c.state)} · ${c.cells.length} pod${c.cells.length === 1 ? '' : 's'}`,
        ),
        ...c.cells
          .slice(0, cellRows)
          .map((cell) =>
            h(
              Text,
              {key: cell.key, color: COLOURS[cell.look], wrap: 'truncate'},
              `${MARKS[cell.look]} ${safeText(cell.name)}`,
            ),
          ),
        ...(c.cells.length > cellRows
          ? [h(Text, {key: 'more', dimColor: true}, `… ${c.cells.length - cellRows} more`)]
          : []),
      ),
    ),
  )
  const events = view.events
    .slice(-(footer - 1))
    .map((e, i) => h(Text, {key: String(i), wrap: 'truncate'}, `${time(e.at)}  ${safeText(e.text)}`))
  const status = view.status ? [h(Text, {key: 'status', color: 'cyan', wrap: 'truncate'}, safeText(view.status))] : []
  const q = view.question
  const modal = q
    ? [
        h(
          Box,
          {key: 'question', flexDirection: 'column', borderStyle: 'double', borderColor: 'yellow', paddingX: 1},
          ...q.text
            .split('\n')
            .map((l, i) =>
              h(
                Text,
                {key: String(i), wrap: 'truncate', color: /Warning|Pending/.test(l) ? 'yellow' : undefined},
                safeText(l),
              ),
            ),
          h(Text, {bold: true}, safeText(q.question)),
        ),
      ]
    : []
  return h(
    Box,
    {flexDirection: 'column', width: size.columns},
    header,
    columns,
    ...modal,
    h(Box, {flexDirection: 'column'}, ...status, ...events),
  )
}

export async function showBoard(store: BoardStore, handlers: BoardHandlers, signal: AbortSignal): Promise<void> {
  const R = (await lazyImport('react', () => import('react'))).default
  const {render, Box, Text, useInput, useApp, useStdout} = await lazyImport('ink', () => import('ink'))
  const h = R.createElement

  function Board() {
    const view = R.useSyncExternalStore(
      (fn) => store.subscribe(fn),
      () => store.get(),
    )
    const [selected, setSelected] = R.useState(1)
    const {exit} = useApp()
    const {stdout} = useStdout()
    const [size, setSize] = R.useState({columns: stdout.columns || 100, rows: stdout.rows || 30})
    R.useEffect(() => {
      // The terminal re-wraps the old frame on a resize: clear it, then draw the re-flowed one.
      const onResize = () => {
        stdout.write('\u001b[2J\u001b[3J\u001b[H')
        setSize({columns: stdout.columns || 100, rows: stdout.rows || 30})
      }
      stdout.on('resize', onResize)
      return () => void stdout.off('resize', onResize)
    }, [stdout])
    R.useEffect(() => {
      const onAbort = () => exit()
      signal.addEventListener('abort', onAbort, {once: true})
      return () => signal.removeEventListener('abort', onAbort)
    }, [exit])
    useInput((input, key) => {
      const q = view.question
      if (q) {
        q.answer(q.canConfirm && (input === 'y' || input === 'Y'))
        return
      }
      if (input === 'q' || (key.ctrl && input === 'c')) {
        handlers.quit()
        exit()
      } else if (key.leftArrow || input === 'h') setSelected((s) => Math.max(0, s - 1))
      else if (key.rightArrow || input === 'l') setSelected((s) => Math.min(view.columns.length - 1, s + 1))
      else if (input === 'r') handlers.rebalance()
      else if (input === 'd' || input === 'e') {
        const col = view.columns[selected]
        if (col?.foreignCluster) handlers.act(input === 'd' ? 'disable' : 'enable', col.foreignCluster)
        else
          store.event(
            `${col?.title ?? 'this column'} is not a peered cluster: nothing ` +
              `to ${input === 'd' ? 'disable' : 'enable'}`,
          )
      }
    })
    return layout({h, Box, Text}, view, Math.min(selected, Math.max(0, view.columns.length - 1)), size)
  }

  // Full screen: the terminal's alternate screen, left as it was on exit.
  process.stderr.write('\u001b[?1049h\u001b[H')
  try {
    const app = render(h(Board), {
      stdout: process.stderr,
      stdin: process.stdin,
      exitOnCtrlC: false,
      patchConsole: false,
    })
    await app.waitUntilExit()
  } finally {
    process.stderr.write('\u001b[?1049l')
  }
}
