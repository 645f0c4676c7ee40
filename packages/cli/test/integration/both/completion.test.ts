/**
 * Shell completion against the lab, as a shell runs it: bash sources `completion bash` and asks for
 * the candidates of a half-typed command line; the live ones (ForeignClusters, namespaces) come
 * from the cluster, contexts from the kubeconfig. (kubectl's plugin completion: install.test.ts.)
 */
import {spawnSync} from 'node:child_process'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {ENTRY, lab, ROOT, skipNote} from '../../helpers/lab.js'
import {modeNote} from '../../helpers/mode.js'

/** COMPREPLY for `line` (ending where Tab is pressed), with the script of `completion bash` loaded. */
function bashComplete(line: string): string[] {
  const dir = join(ROOT, 'test', 'helpers')
  const script = `
    liqo-topology() { ${ENTRY.map((a) => JSON.stringify(a)).join(' ')} "$@"; }
    source <(liqo-topology completion bash)
    COMP_WORDS=(${line
      .split(' ')
      .map((w) => JSON.stringify(w))
      .join(' ')})
    COMP_CWORD=$((\${#COMP_WORDS[@]} - 1))
    _liqo_topology
    printf '%s\\n' "\${COMPREPLY[@]}"`
  const r = spawnSync('bash', ['-c', script], {
    cwd: dir,
    encoding: 'utf8',
    env: {...process.env, KUBECONFIG: lab!.kubeconfig, NO_COLOR: '1'},
    timeout: 60_000,
  })
  expect(r.status, r.stderr).toBe(0)
  return r.stdout.split('\n').filter(Boolean)
}

describe.skipIf(!lab)(`shell completion${modeNote}${skipNote}`, {tags: ['launcher']}, () => {
  it('commands and flags', () => {
    expect(bashComplete('liqo-topology pe')).toEqual(['peer'])
    expect(bashComplete('liqo-topology peer ')).toEqual(['cordon', 'disable', 'enable', 'list', 'uncordon'])
    expect(bashComplete('liqo-topology pods ')).toEqual(['where', 'why'])
    expect(bashComplete('liqo-topology pods where --sort')).toEqual(['--sort-by'])
    expect(bashComplete('liqo-topology reb')).toEqual(['rebalance'])
    expect(bashComplete('liqo-topology rebalance --st')).toEqual(['--stable-for'])
  })

  it('<cluster>, namespaces and contexts from the live lab', () => {
    expect(bashComplete('liqo-topology peer disable ').sort()).toEqual(['cluster-2', 'cluster-3'])
    expect(bashComplete('liqo-topology peer enable cluster-')).toHaveLength(2)
    expect(bashComplete('liqo-topology peer cordon ').sort()).toEqual(['cluster-2', 'cluster-3'])
    expect(bashComplete('liqo-topology pods where -n kube-')).toEqual(
      expect.arrayContaining(['kube-system', 'kube-public']),
    )
    expect(bashComplete('liqo-topology rebalance -n kube-')).toEqual(
      expect.arrayContaining(['kube-system', 'kube-public']),
    )
    expect(bashComplete('liqo-topology status --context cluster-')).toEqual(
      expect.arrayContaining(['cluster-1', 'cluster-2', 'cluster-3']),
    )
    // Another context's namespaces when --context says so.
    expect(bashComplete('liqo-topology pods where --context cluster-3 -n kube-s')).toEqual(['kube-system'])
  })
})
