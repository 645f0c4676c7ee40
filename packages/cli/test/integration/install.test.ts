/**
 * Installable: `npm pack`, then `npm install -g` of the tarball into an empty prefix gives
 * `liqo-topology` and `kubectl-liqo_topology` that work, also as a kubectl plugin
 * (`kubectl liqo-topology …`) against the lab, with no Go toolchain on the PATH.
 */
import {spawnSync} from 'node:child_process'
import {mkdtempSync, readdirSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {lab, labState, ROOT, skipNote} from '../helpers/lab.js'

describe.skipIf(!lab)(`npm pack → npm install -g${skipNote}`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'liqo-topology-install-'))
  const prefix = join(dir, 'prefix')
  // Only what an npm user has: the installed bins, kubectl, node; no Go, no sources.
  const env = () => ({
    PATH: [join(prefix, 'bin'), labState().binDir, join(process.execPath, '..'), '/usr/bin', '/bin'].join(':'),
    HOME: dir,
    KUBECONFIG: lab!.kubeconfig,
    NO_COLOR: '1',
  })
  const run = (cmd: string, args: string[]) => spawnSync(cmd, args, {env: env(), encoding: 'utf8', timeout: 60_000})
  let tarball = ''

  beforeAll(() => {
    const pack = spawnSync('npm', ['pack', '--pack-destination', dir], {cwd: ROOT, encoding: 'utf8'})
    expect(pack.status, pack.stderr).toBe(0)
    const tgz = readdirSync(dir).find((f) => f.endsWith('.tgz'))!
    tarball = join(dir, tgz)
    const install = spawnSync('npm', ['install', '-g', '--prefix', prefix, tarball], {
      encoding: 'utf8',
      timeout: 240_000,
    })
    expect(install.status, install.stderr).toBe(0)
  }, 300_000)
  afterAll(() => rmSync(dir, {recursive: true, force: true}))

  it('the tarball holds no file of the lab (its code, its Go modules, its manifests)', () => {
    const list = spawnSync('tar', ['-tzf', tarball], {encoding: 'utf8'})
    expect(list.status, list.stderr).toBe(0)
    const files = list.stdout.split('\n').filter(Boolean)
    expect(files).toContain('package/dist/bundle/run.js')
    // The launcher and the snapshot's script, which the CLI's build takes from packages/launcher.
    expect(files).toEqual(
      expect.arrayContaining(['package/dist/bundle/liqo-topology', 'package/dist/bundle/snapshot.cjs']),
    )
    expect(files.filter((f) => /lab|\.go$|go\.(mod|sum)$|daemon/i.test(f))).toEqual([])
  })

  it('liqo-topology and kubectl-liqo_topology run from the install, without Go', () => {
    expect(run('sh', ['-c', 'command -v go || echo none']).stdout.trim()).toBe('none')
    for (const bin of ['liqo-topology', 'kubectl-liqo_topology']) {
      const r = run(bin, ['version', '--client'])
      expect(r.status, `${bin}: ${r.stderr}`).toBe(0)
      expect(r.stdout).toMatch(/^Client Version: /)
    }
  })

  it('kubectl liqo-topology pods where -A works against the lab, as a kubectl plugin', () => {
    const r = run('kubectl', ['liqo-topology', 'pods', 'where', '-A', '--context', 'cluster-1'])
    expect(r.status, r.stderr).toBe(0)
    expect(r.stdout.split('\n')[0]).toMatch(/^NAMESPACE\s+NAME\s+CLUSTER/)
  })
  it('a lab command says in one line how to get the lab, which the install does not hold', () => {
    const r = run('liqo-topology', ['lab', 'up'])
    expect(r.status).toBe(2)
    expect(r.stderr).toBe(
      'error: "liqo-topology lab up" needs the lab, which is not installed: npm install -g @liqo-topology/lab\n',
    )
  })

  it("kubectl's plugin completion: kubectl liqo-topology peer disable <Tab> offers the lab's clusters", () => {
    const r = run('kubectl', ['__complete', 'liqo-topology', 'peer', 'disable', ''])
    expect(r.status, r.stderr).toBe(0)
    const lines = r.stdout.split('\n').filter(Boolean)
    expect(lines).toEqual(expect.arrayContaining(['cluster-2', 'cluster-3']))
    expect(lines.at(-1)).toMatch(/^:\d+$/)
  })
})
