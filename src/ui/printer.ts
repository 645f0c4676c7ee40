/**
 * The one place that decides how data reaches stdout, from the --output flag: a document as JSON
 * or YAML for machines, or text for people (table, wide). Messages for people go to stderr
 * elsewhere; stdout carries only what this prints.
 */
import {isMachine, renderMachine, renderYaml} from '../render/machine.js'
import type {IO} from '../toolkit/io.js'

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

  /** One result: its document (json/yaml), or its text (nothing when the text is empty). */
  print(document: () => unknown, text: () => string): void {
    this.io.out(isMachine(this.format) ? renderMachine(this.format, document()) : text())
  }

  /** One event of a stream (a watch): one JSON line, or one YAML document ended by `---`; else its text. */
  event(document: () => unknown, text: () => string): void {
    if (this.format === 'json') this.io.out(JSON.stringify(document()))
    else if (this.format === 'yaml') this.io.out(renderYaml(document()) + '---')
    else this.io.out(text())
  }
}
