import {describe, expect, it} from 'vitest'

import type {PlacedPod} from '../../src/model/placement.js'
import {boardColumns, boardRefusalHint, describeMove, podLook} from '../../src/render/board.js'
import {reachLine} from '../../src/toolkit/rerun.js'

const pod = (name: string, cluster: string, extra: Partial<PlacedPod> = {}): PlacedPod => ({
  namespace: 'ns',
  name,
  cluster:
    cluster === 'local'
      ? {kind: 'local', name: 'local'}
      : cluster === '<none>'
        ? {kind: 'unscheduled', name: '<none>'}
        : {kind: 'remote', name: cluster, id: `id-${cluster}`},
  status: 'Running',
  ready: '1/1',
  restarts: 0,
  createdAt: '2024-01-01T10:00:00Z',
  terminating: false,
  isReady: true,
  ...extra,
})

describe('the board', () => {
  const peers = [
    {name: 'milan', foreignCluster: 'fc-milan', state: 'Yes/Established'},
    {name: 'turin', foreignCluster: 'fc-turin', state: 'No/None'},
  ]

  it('has local, every peer (even empty), then unscheduled pods, each pod in its cluster', () => {
    const cols = boardColumns(
      [
        pod('b', 'milan'),
        pod('a', 'milan'),
        pod('p', '<none>', {status: 'Pending', isReady: false}),
        pod('l', 'local'),
      ],
      peers,
    )
    expect(cols.map((c) => [c.title, c.state, c.foreignCluster, c.cells.map((x) => x.name)])).toEqual([
      ['local', 'this cluster', undefined, ['l']],
      ['milan', 'Yes/Established', 'fc-milan', ['a', 'b']],
      ['turin', 'No/None', 'fc-turin', []],
      ['<none>', 'not scheduled', undefined, ['p']],
    ])
  })

  it('colours a pod by what it is doing', () => {
    expect(podLook(pod('x', 'milan'))).toBe('ready')
    expect(podLook(pod('x', 'milan', {isReady: false, status: 'ContainerCreating'}))).toBe('starting')
    expect(podLook(pod('x', '<none>', {status: 'Pending', isReady: false}))).toBe('pending')
    expect(podLook(pod('x', 'milan', {terminating: true}))).toBe('terminating')
    expect(podLook(pod('x', 'milan', {status: 'CrashLoopBackOff', isReady: false}))).toBe('failed')
  })

  it('tells moves in a few words, and nothing for changes that are not', () => {
    expect(describeMove(undefined, pod('x', 'milan'))).toBe('pod x scheduled on milan')
    expect(describeMove(pod('x', '<none>', {isReady: false}), pod('x', 'milan', {isReady: false}))).toBe(
      'pod x scheduled on milan',
    )
    expect(describeMove(pod('x', 'milan'), pod('x', 'milan', {terminating: true}))).toBe('pod x evicted from milan')
    expect(describeMove(pod('x', 'milan', {isReady: false}), pod('x', 'milan'))).toBe('pod x Ready on milan')
    expect(describeMove(pod('x', 'milan'), undefined)).toBe('pod x gone from milan')
    expect(describeMove(pod('x', 'milan'), pod('x', 'milan', {restarts: 1}))).toBeUndefined()
  })
})

describe("the board's refusal of a rebalance", () => {
  const reach = {context: 'cluster-1', args: ['--user', 'ops'], leftOut: ['--token']}
  const force = reachLine('rebalance', ['-n', 'liqo-test', '--force'], reach)

  it('says what to do from the board, and the command line that forces it in a terminal, spelled out', () => {
    expect(force).toBe(
      'liqo-topology rebalance -n liqo-test --force --context cluster-1 --user ops (add the --token you gave: it is ' +
        'not printed)',
    )
    expect(boardRefusalHint('budget', force)).toBe(
      `relax the budget and press r again; to move what the budgets allow, run in a terminal (the board does not ` +
        `force): ${force}`,
    )
    expect(boardRefusalHint('held-back', force)).toBe(
      `to do it anyway, run in a terminal (the board does not force): ${force}`,
    )
    expect(boardRefusalHint('blocked', force)).toBe('relax the budget and press r again')
  })

  it('never tells the board to re-run with --force, which it cannot pass', () => {
    for (const r of ['budget', 'held-back', 'blocked'] as const)
      expect(boardRefusalHint(r, force)).not.toMatch(/re-run/)
  })
})
