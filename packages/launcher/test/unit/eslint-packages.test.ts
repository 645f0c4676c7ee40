/**
 * The launcher's place among the packages, as the lint enforces it (layers/import-direction,
 * scripts/eslint-layers.js): the CLI's code and the lab never import the launcher (the CLI's build
 * bundles it in), and the launcher imports of the CLI only liqo-topology/startup. Run through ESLint
 * itself, on the project's own configuration.
 */
import {ESLint} from 'eslint'
import {beforeAll, describe, expect, it} from 'vitest'

const eslint = new ESLint({cwd: process.cwd()})

// The first lint loads the configuration, its plugins and the parser: once, under the hook's timeout
// (as in ./eslint-snapshot.test.ts).
beforeAll(async () => {
  await eslint.lintText('export {}\n', {filePath: 'packages/launcher/src/probe.ts'})
}, 120_000)

async function problems(code: string, file: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, {filePath: file})
  return result!.messages.filter((m) => m.ruleId === 'layers/import-direction').map((m) => m.message)
}

describe('the launcher among the packages', () => {
  it("refuses an import of the launcher from the CLI's code and from the lab", async () => {
    const byName = "export {buildLauncher} from '@liqo-topology/launcher/build'\n"
    const byPath = (up: string) => `export * from '${up}launcher/src/snapshot.js'\n`
    for (const [file, up] of [
      ['packages/cli/src/cli/probe.ts', '../../../'],
      ['packages/cli/commands/probe.ts', '../../'],
    ] as const)
      for (const code of [byName, byPath(up)])
        expect(await problems(code, file), `${file}: ${code}`).toEqual([
          expect.stringContaining('the launcher (@liqo-topology/launcher, packages/launcher) is not imported'),
        ])
    expect(await problems(byName, 'packages/lab/src/probe.ts')).toHaveLength(1)
  })

  it('lets the launcher import liqo-topology/startup, and nothing else of the CLI nor the lab', async () => {
    const file = 'packages/launcher/src/probe.ts'
    expect(await problems("export {CORE_COMMANDS} from 'liqo-topology/startup'\n", file)).toEqual([])
    expect(await problems("export {KubeClient} from 'liqo-topology/k8s/client'\n", file)).toEqual([
      expect.stringContaining('the launcher imports of the CLI only liqo-topology/startup'),
    ])
    expect(await problems("export * from '../../cli/src/toolkit/lazy.js'\n", file)).toEqual([
      expect.stringContaining('the launcher imports of the CLI only liqo-topology/startup'),
    ])
    expect(await problems("export * from '@liqo-topology/lab/state'\n", file)).toEqual([
      expect.stringContaining('the launcher does not import the lab'),
    ])
  })
})
