/**
 * The start-up snapshot's rules as lint (scripts/eslint-snapshot.js): what breaks them is reported,
 * what follows them is not. Run through ESLint itself, on the project's own configuration.
 */
import {ESLint} from 'eslint'
import {beforeAll, describe, expect, it} from 'vitest'

const eslint = new ESLint({cwd: process.cwd()})

// The first lint loads the project's configuration, its plugins and the TypeScript parser: seconds,
// more on a busy machine (the test command lints beside it). Done once here, under the hook's own
// timeout, so that each test times only its own lint.
beforeAll(async () => {
  await eslint.lintText('export {}\n', {filePath: 'packages/cli/src/toolkit/probe.ts'})
}, 120_000)

async function problems(code: string, file = 'packages/cli/src/toolkit/probe.ts'): Promise<string[]> {
  const [result] = await eslint.lintText(code, {filePath: file})
  return result!.messages.map((m) => `${m.line}: ${m.ruleId}`)
}

describe('the start-up snapshot rules', () => {
  it('reports the environment, the home folder and the clock read while a module loads', async () => {
    const code = [
      "import {homedir} from 'node:os'",
      'export const home = homedir()',
      'export const noColor = process.env.NO_COLOR',
      'export const started = Date.now()',
      'export class A {',
      '  static argv = process.argv',
      '}',
      '',
    ].join('\n')
    expect(await problems(code)).toEqual([
      '2: snapshot/no-load-time-reads',
      '3: snapshot/no-load-time-reads',
      '4: snapshot/no-load-time-reads',
      '6: snapshot/no-load-time-reads',
    ])
  })

  it('lets a function, or an instance field, read them when a command runs', async () => {
    const code = [
      "import {homedir} from 'node:os'",
      'export const now = (): string => `${process.env.HOME ?? homedir()} ${Date.now()}`',
      'export class A {',
      '  started = Date.now()',
      '}',
      'export function f(process: {env: string}): string {',
      '  return process.env',
      '}',
      '',
    ].join('\n')
    expect(await problems(code)).toEqual([])
  })

  it('allows import() of a library only as the thunk of lazyImport, with the same specifier', async () => {
    const code = [
      "import {lazyImport} from './lazy.js'",
      "export const a = () => lazyImport('ora', () => import('ora'))",
      "export const b = () => lazyImport('ora', () => import('ink'))",
      "export const c = () => import('ora')",
      "export const d = () => import('./lazy.js')",
      '',
    ].join('\n')
    expect(await problems(code)).toEqual(['3: snapshot/lazy-import-only', '4: snapshot/lazy-import-only'])
  })

  it('refuses a value import of node:http, node:https or node:tls, and allows a type import', async () => {
    const code = [
      "import http from 'node:http'",
      "import type tls from 'node:tls'",
      'export type T = typeof http | typeof tls',
      '',
    ].join('\n')
    expect(await problems(code)).toEqual(['1: no-restricted-imports'])
  })

  it("leaves the lab alone (it never runs from the snapshot), and the launcher's entry (it builds it)", async () => {
    expect(await problems('export const home = process.env.HOME\n', 'packages/lab/src/probe.ts')).toEqual([])
    expect(await problems('export const home = process.env.HOME\n', 'packages/launcher/src/probe.ts')).toEqual([])
  })
})
