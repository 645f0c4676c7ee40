/**
 * The one place that decides how data reaches stdout, from the --output flag: a document as JSON
 * or YAML for machines, or text for people (table, wide). Messages for people go to stderr
 * elsewhere; stdout carries only what this prints.
 */
import {isMachine, renderMachine, renderYaml} from '../render/machine.js'
import type {IO} from '../toolkit/io.js'
import {safeLines} from '../toolkit/text.js'

/** One thing to print: its document for machines and, when there is any, its text for people. */
export interface Printable {
  document: () => unknown
  text?: () => string
}

export class Printer {
  constructor(
    private readonly io: Pick<IO, 'out'>,
    /** The --output value: table, wide, json or yaml. */
    readonly format: string,
  ) {}

  /** -o json|yaml: stdout is for programs. */
  get machine(): boolean {
    return isMachine(this.format)
  }

  get wide(): boolean {
    return this.format === 'wide'
  }

  /** One result: its document (json/yaml), or its text. */
  print(p: Printable): void {
    if (isMachine(this.format)) this.io.out(renderMachine(this.format, p.document()))
    else if (p.text) this.io.out(safeLines(p.text()))
  }

  /** One event of a stream (a watch): one JSON line, or one YAML document ended by `---`; else its text. */
  event(p: Printable): void {
    if (this.format === 'json') this.io.out(JSON.stringify(p.document()))
    else if (this.format === 'yaml') this.io.out(renderYaml(p.document()) + '---')
    else if (p.text) this.io.out(safeLines(p.text()))
  }
}
