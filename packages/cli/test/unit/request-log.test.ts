import {describe, expect, it} from 'vitest'

import {logBody} from '../../src/k8s/client.js'

describe('the -v 8 request log', () => {
  it("redacts a Secret's data whatever its keys, and credential-like fields anywhere", () => {
    const secret = JSON.stringify({
      kind: 'Secret',
      metadata: {name: 's'},
      data: {kubeconfig: 'YXBpVmVyc2lvbjogdjE=', x: 'c2VjcmV0'},
    })
    const out = logBody(secret)
    expect(out).not.toMatch(/YXBpVmVyc2lvbjogdjE=|c2VjcmV0/)
    expect(JSON.parse(out).data).toEqual({kubeconfig: '[redacted]', x: '[redacted]'})
    const list = logBody(
      JSON.stringify({kind: 'SecretList', items: [{kind: 'Secret', stringData: {password: 'hunter2'}}]}),
    )
    expect(list).not.toContain('hunter2')
    expect(logBody('{"spec":{"token":"abc.def"}}')).toBe('{"spec":{"token":"[redacted]"}}')
  })

  it('cuts long bodies', () => {
    const out = logBody(JSON.stringify({a: 'x'.repeat(20_000)}))
    expect(out.length).toBeLessThan(10_100)
    expect(out).toMatch(/… \(\d+ bytes\)$/)
  })
})
