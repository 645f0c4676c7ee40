/**
 * The board's state, as the view reads it and the flow writes it: columns, the last events, a
 * status line, and at most one question (the preview of a change, answered y/N in the board).
 * Plain and synchronous; the view subscribes.
 */
import type {BoardColumn} from '../render/board.js'

export interface BoardQuestion {
  text: string
  question: string
  /** false: the plan is refused in the board; any key closes it. */
  canConfirm: boolean
  answer: (yes: boolean) => void
}

export interface BoardView {
  context: string
  scope: string
  columns: BoardColumn[]
  /** The last events, newest last, with the time they happened. */
  events: Array<{at: Date; text: string}>
  status: string
  question?: BoardQuestion
}

export interface BoardHandlers {
  quit(): void
  act(action: 'disable' | 'enable', foreignCluster: string): void
  /** r: rebalance the board's namespace (or every namespace). */
  rebalance(): void
}

const MAX_EVENTS = 50

export class BoardStore {
  private view: BoardView
  private readonly listeners = new Set<() => void>()

  constructor(o: {context: string; scope: string}) {
    this.view = {...o, columns: [], events: [], status: ''}
  }

  get(): BoardView {
    return this.view
  }

  subscribe(fn: () => void): () => void {
    this.listeners.add(fn)
    return () => this.listeners.delete(fn)
  }

  set(part: Partial<BoardView>): void {
    this.view = {...this.view, ...part}
    for (const fn of this.listeners) fn()
  }

  event(text: string): void {
    this.set({events: [...this.view.events, {at: new Date(), text}].slice(-MAX_EVENTS)})
  }

  status(text: string): void {
    this.set({status: text})
  }

  /** Shows a question; resolves with the answer (y = true; n, Esc or any key = false). */
  ask(q: Omit<BoardQuestion, 'answer'>): Promise<boolean> {
    return new Promise((resolve) =>
      this.set({
        question: {
          ...q,
          answer: (yes) => {
            this.set({question: undefined})
            resolve(yes)
          },
        },
      }),
    )
  }
}
