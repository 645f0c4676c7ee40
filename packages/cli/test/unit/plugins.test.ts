import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, describe, expect, it} from 'vitest'

import {installed, LAB_PLUGIN, withInstalledPlugins} from '../../src/cli/plugins.js'

describe('the optional lab plugin', () => {
  const top = mkdtempSync(join(tmpdir(), 'liqo-topology-plugins-'))
  afterAll(() => rmSync(top, {recursive: true, force: true}))
  // An install as npm -g makes it: <prefix>/lib/node_modules/{liqo-topology,@liqo-topology/lab}.
  const modules = join(top, 'lib', 'node_modules')
  const root = join(modules, 'liqo-topology', 'dist', 'bundle')
  mkdirSync(root, {recursive: true})
  const pjson = {
    name: 'liqo-topology',
    dependencies: {'@oclif/plugin-help': '^6'},
    oclif: {plugins: ['@oclif/plugin-help', LAB_PLUGIN]},
  }

  it('is left out when it is not installed: oclif then skips it without a warning', () => {
    expect(installed(LAB_PLUGIN, root)).toBe(false)
    expect(withInstalledPlugins(pjson, root)).toBe(pjson)
  })

  it('becomes a dependency, for oclif, once installed beside the CLI', () => {
    mkdirSync(join(modules, LAB_PLUGIN), {recursive: true})
    writeFileSync(join(modules, LAB_PLUGIN, 'package.json'), '{"name": "@liqo-topology/lab"}')
    expect(installed(LAB_PLUGIN, root)).toBe(true)
    const loaded = withInstalledPlugins(pjson, root)
    expect(loaded.dependencies).toEqual({'@oclif/plugin-help': '^6', [LAB_PLUGIN]: '*'})
    expect(pjson.dependencies).toEqual({'@oclif/plugin-help': '^6'})
  })
})
