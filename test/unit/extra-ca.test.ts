import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import type * as Tls from 'node:tls'
import type {SecureContext} from 'node:tls'

import {afterAll, beforeEach, describe, expect, it} from 'vitest'

import {addHandedOverExtraCa, HANDED_OVER, handedOverExtraCa, takeHandedOverExtraCa, trustHandedOverExtraCa} from '../../src/k8s/extra-ca.js'

const SLOT = Symbol.for('liqo-topology.handed-over-extra-ca')
const dir = mkdtempSync(join(tmpdir(), 'extra-ca-test-'))
afterAll(() => rmSync(dir, {recursive: true, force: true}))

/** A context that records what is added to its store (the real one is exercised against the lab: test/integration/startup.test.ts). */
function fakeContext() {
  const added: string[] = []
  const context = {context: {addCACert: (pem: Buffer) => void added.push(pem.toString())}} as unknown as SecureContext
  return {context, added}
}

describe('NODE_EXTRA_CA_CERTS handed over by the launcher', () => {
  beforeEach(() => {
    delete (globalThis as Record<symbol, unknown>)[SLOT]
  })

  it("goes back into the environment under its own name, the launcher's name gone; a second take changes nothing", () => {
    const env: NodeJS.ProcessEnv = {[HANDED_OVER]: '/etc/corp-ca.pem', OTHER: 'x'}
    takeHandedOverExtraCa(env)
    expect(env).toEqual({NODE_EXTRA_CA_CERTS: '/etc/corp-ca.pem', OTHER: 'x'})
    expect(handedOverExtraCa()).toBe('/etc/corp-ca.pem')
    takeHandedOverExtraCa(env)
    expect(env).toEqual({NODE_EXTRA_CA_CERTS: '/etc/corp-ca.pem', OTHER: 'x'})
    expect(handedOverExtraCa()).toBe('/etc/corp-ca.pem')
  })

  it("without the launcher (or with nothing to hand over) the environment and Node's own loading are left alone", () => {
    const env: NodeJS.ProcessEnv = {NODE_EXTRA_CA_CERTS: '/etc/own.pem'}
    takeHandedOverExtraCa(env)
    expect(env).toEqual({NODE_EXTRA_CA_CERTS: '/etc/own.pem'})
    expect(handedOverExtraCa()).toBeUndefined()
    const empty: NodeJS.ProcessEnv = {[HANDED_OVER]: ''}
    takeHandedOverExtraCa(empty)
    expect(empty).toEqual({})
    expect(handedOverExtraCa()).toBeUndefined()
    const {context, added} = fakeContext()
    addHandedOverExtraCa(context, () => {
      throw new Error('no warning expected')
    })
    expect(added).toEqual([])
  })

  it('Node started with a NODE_EXTRA_CA_CERTS of its own (not by the launcher): it read that one; the stray name goes, nothing is added', () => {
    const env: NodeJS.ProcessEnv = {[HANDED_OVER]: '/etc/stray.pem', NODE_EXTRA_CA_CERTS: '/etc/own.pem'}
    takeHandedOverExtraCa(env)
    expect(env).toEqual({NODE_EXTRA_CA_CERTS: '/etc/own.pem'})
    expect(handedOverExtraCa()).toBeUndefined()
  })

  it("once trusted, every context of the process made without a CA gets them (a proxy's, a plugin's), one given a CA does not; installed once", () => {
    const file = join(dir, 'every.pem')
    writeFileSync(file, 'PEM')
    const made: Array<ReturnType<typeof fakeContext>> = []
    const tls = {
      createSecureContext: () => {
        const f = fakeContext()
        made.push(f)
        return f.context
      },
    } as unknown as typeof Tls
    trustHandedOverExtraCa(() => tls) // nothing handed over yet: left alone
    tls.createSecureContext({})
    expect(made[0]!.added).toEqual([])
    takeHandedOverExtraCa({[HANDED_OVER]: file})
    trustHandedOverExtraCa(() => tls)
    trustHandedOverExtraCa(() => tls)
    tls.createSecureContext()
    tls.createSecureContext({cert: 'c', key: 'k'})
    tls.createSecureContext({ca: 'kubeconfig CA'})
    expect(made.slice(1).map((m) => m.added)).toEqual([['PEM'], ['PEM'], []])
  })

  it('a Node whose contexts cannot take them: one warning, no error (never blamed on the kubeconfig)', () => {
    const file = join(dir, 'odd.pem')
    writeFileSync(file, 'PEM')
    takeHandedOverExtraCa({[HANDED_OVER]: file})
    const warnings: string[] = []
    for (let i = 0; i < 2; i++) addHandedOverExtraCa({context: {}} as unknown as SecureContext, (l) => void warnings.push(l))
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toMatch(/^Warning: Ignoring extra certs from `.*odd\.pem`, load failed: this Node cannot add certificates to a TLS context/)
  })

  it("adds the file's certificates to each context made without a CA, reading the file once", () => {
    const file = join(dir, 'ca.pem')
    writeFileSync(file, '-----BEGIN CERTIFICATE-----\nfirst\n-----END CERTIFICATE-----\n')
    takeHandedOverExtraCa({[HANDED_OVER]: file})
    const a = fakeContext()
    addHandedOverExtraCa(a.context)
    writeFileSync(file, 'changed')
    const b = fakeContext()
    addHandedOverExtraCa(b.context)
    expect(a.added).toEqual([expect.stringContaining('first')])
    expect(b.added).toEqual(a.added)
  })

  it("a file that cannot be read is one warning in Node's words, then ignored as Node ignores it", () => {
    takeHandedOverExtraCa({[HANDED_OVER]: join(dir, 'missing.pem')})
    const warnings: string[] = []
    for (let i = 0; i < 3; i++) {
      const {context, added} = fakeContext()
      addHandedOverExtraCa(context, (l) => void warnings.push(l))
      expect(added).toEqual([])
    }
    expect(warnings).toEqual([`Warning: Ignoring extra certs from \`${join(dir, 'missing.pem')}\`, load failed: No such file or directory\n`])
  })
})
