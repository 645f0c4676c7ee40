import {describe, expect, it} from 'vitest'

import {liqoV0} from '../../src/liqo/v0.js'
import {previewDisable} from '../../src/model/impact.js'
import {cleanupPlanLines} from '../../src/render/cleanup.js'
import {linesText} from '../../src/render/lines.js'
import {peerChangeWords, planLines, renderPlan} from '../../src/render/peer.js'
import type {PeerPlan} from '../../src/services/peer.js'
import {errWithWarnings} from '../../src/ui/styled.js'
import type {IO} from '../../src/toolkit/io.js'
import {aBarePod, aForeignCluster, aNode, aPod, aScheduling, aVirtualNode, VIRTUAL_TOLERATION} from './fixtures.js'

const milan = aForeignCluster({name: 'fc-milan', clusterId: 'id-milan', clusterName: 'milan'})
const nodes = [aNode({name: 'worker-1'}), aVirtualNode('liqo-milan', 'id-milan')]
const onMilan = {matchExpressions: [{key: 'liqo.io/remote-cluster-id', operator: 'In', values: ['id-milan']}]}
const pinned = aScheduling({tolerations: [VIRTUAL_TOLERATION], requiredTerms: [onMilan]})

function disablePlan(): PeerPlan {
  const pods = [
    aPod({name: 'web-1', nodeName: 'liqo-milan'}),
    aPod({name: 'pinned-1', nodeName: 'liqo-milan', scheduling: pinned}),
    aBarePod({name: 'bare', nodeName: 'liqo-milan'}),
  ]
  const impact = previewDisable(milan, {pods, nodes, fcs: [milan]})
  const wording = liqoV0.switchWording(milan, 'No', {
    cluster: 'milan',
    virtualNodes: impact.virtualNodes,
    namespaces: ['ns'],
  })
  return {
    action: 'disable',
    context: 'home',
    fc: milan,
    matchedBy: ['cluster-name'],
    cluster: impact.cluster,
    alreadyDone: false,
    generation: liqoV0.generation,
    wording,
    impact,
    namespaces: ['ns'],
    existingPods: [],
  }
}

/** An IO that keeps what goes to stderr; `color` decides whether warnings are styled. */
function captureIO(color: boolean): IO & {written: string[]} {
  const written: string[] = []
  return {color, err: (t: string) => void written.push(t), written} as unknown as IO & {written: string[]}
}

describe('lines with their severity', () => {
  it('marks as warnings the pods left Pending or not replaced and the Warning: lines, nothing else', () => {
    const lines = planLines(disablePlan())
    const warnings = lines.filter((l) => l.severity === 'warning').map((l) => l.text.trim())
    expect(warnings.length).toBeGreaterThanOrEqual(3)
    expect(warnings.some((t) => t.startsWith('liqo-test/pinned-1') && t.includes('would stay Pending'))).toBe(true)
    expect(warnings.some((t) => t.startsWith('liqo-test/bare') && t.includes('not replaced'))).toBe(true)
    expect(warnings.some((t) => t.startsWith('Warning:'))).toBe(true)
    const web = lines.find((l) => l.text.includes('liqo-test/web-1'))
    expect(web?.severity).toBe('info')
    expect(lines[0]?.severity).toBe('info')
  })

  it('joins into the same text as renderPlan', () => {
    const plan = disablePlan()
    expect(linesText(planLines(plan))).toBe(renderPlan(plan))
  })

  it('marks the cleanup warning about other namespaces', () => {
    const other = previewDisable(milan, {
      pods: [aBarePod({name: 'x', namespace: 'other', nodeName: 'liqo-milan'})],
      nodes,
      fcs: [milan],
    })
    const shown = {namespace: 'ns', steps: [], notes: ['n'], context: 'home', otherNamespaces: other.pods}
    const warnings = cleanupPlanLines(shown).filter((l) => l.severity === 'warning')
    expect(warnings.map((l) => l.text.trim())).toEqual([
      expect.stringMatching(/^other\/x: not replaced/),
      expect.stringMatching(/^Warning: this touches namespaces other than ns/),
    ])
  })

  it('errWithWarnings colours the marked lines only, and writes plain text without colour', () => {
    const plan = disablePlan()
    const plain = captureIO(false)
    errWithWarnings(plain, planLines(plan))
    expect(plain.written).toEqual([renderPlan(plan)])
    const coloured = captureIO(true)
    errWithWarnings(coloured, planLines(plan))
    const out = coloured.written.join('\n').split('\n')
    const yellow = out.filter((l) => l.includes('\u001b[33m'))
    expect(yellow.length).toBe(planLines(plan).filter((l) => l.severity === 'warning').length)
    expect(out.find((l) => l.includes('liqo-test/web-1'))).not.toContain('\u001b[')
  })
})

describe('the words of a peer change', () => {
  it('names at most three stuck pods', () => {
    const plan = disablePlan()
    const stuck = [...plan.impact!.pods, ...plan.impact!.pods].filter((p) => p.outcome !== 'rescheduled')
    expect(peerChangeWords.stuck(stuck)).toBe(
      '4 evicted pod(s) would stay Pending or not be replaced (liqo-test/pinned-1, liqo-test/bare, ' +
        'liqo-test/pinned-1, …)',
    )
    expect(peerChangeWords.question(plan)).toBe('Disable outgoing peering to "milan" on context "home"?')
    expect(peerChangeWords.done(plan, 1234)).toBe('rescheduling converged in 1.2s')
  })
})
