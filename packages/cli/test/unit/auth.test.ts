import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import https from 'node:https'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'

import {KubeConfig} from '@kubernetes/client-node'
import {afterAll, describe, expect, it} from 'vitest'

import {userCredentials} from '../../src/k8s/credentials.js'
import {clusterTrust} from '../../src/k8s/trust.js'
import {UserError} from '../../src/toolkit/errors.js'

const dir = mkdtempSync(join(tmpdir(), 'auth-test-'))
afterAll(() => rmSync(dir, {recursive: true, force: true}))
const file = (name: string, content: string) => {
  const p = join(dir, name)
  writeFileSync(p, content)
  return p
}
const b64 = (s: string) => Buffer.from(s).toString('base64')

/** What client-node would send for the same kubeconfig entry (the reference). */
async function viaClientNode(cluster: Record<string, unknown>, user: Record<string, unknown>) {
  const kc = new KubeConfig()
  kc.loadFromString(
    JSON.stringify({
      clusters: [{name: 'c', cluster: {server: 'https://127.0.0.1:6443', ...cluster}}],
      users: [{name: 'u', user}],
      contexts: [{name: 'x', context: {cluster: 'c', user: 'u'}}],
      'current-context': 'x',
    }),
  )
  const opts: https.RequestOptions = {}
  await kc.applyToHTTPSOptions(opts)
  return {
    cert: opts.cert?.toString(),
    key: opts.key?.toString(),
    headers: {
      ...(opts.headers as Record<string, string>),
      ...(opts.auth ? {Authorization: `Basic ${Buffer.from(opts.auth).toString('base64')}`} : {}),
    },
  }
}

function viaSimple(cluster: Record<string, unknown>, user: Record<string, unknown>) {
  const s = userCredentials({cluster: {server: 'https://127.0.0.1:6443', ...cluster}, user})
  // Trust (CA, insecure, server name) is the connection layer's: test/unit/connection.test.ts.
  return {
    cert: s.tls.cert?.toString(),
    key: s.tls.key?.toString(),
    headers: s.headers(),
  }
}

describe('userCredentials', () => {
  const cases: Array<[string, Record<string, unknown>, Record<string, unknown>]> = [
    ['bearer token + CA data', {'certificate-authority-data': b64('CA-DATA')}, {token: 'tok-1'}],
    ['CA file', {'certificate-authority': file('ca.crt', 'CA-FILE')}, {token: 'tok-2'}],
    [
      'client certificate files',
      {'certificate-authority-data': b64('CA')},
      {'client-certificate': file('c.crt', 'CERT'), 'client-key': file('c.key', 'KEY')},
    ],
    ['client certificate data', {}, {'client-certificate-data': b64('CERT-D'), 'client-key-data': b64('KEY-D')}],
    ['insecure + tls-server-name', {'insecure-skip-tls-verify': true, 'tls-server-name': 'api.internal'}, {token: 't'}],
    ['basic auth', {}, {username: 'admin', password: 's3cret'}],
    ['impersonation', {}, {token: 't', as: 'alice'}],
  ]
  it.each(cases)('sends what client-node would: %s', async (_, cluster, user) => {
    expect(viaSimple(cluster, user)).toEqual(await viaClientNode(cluster, user))
  })

  it("sends a token file's token over the entry's token while the file reads, as client-go", () => {
    const tf = file('token-both', 'from-file\n')
    const s = userCredentials({cluster: {server: 'https://x'}, user: {token: 'static', tokenFile: tf}})
    expect(s.headers().Authorization).toBe('Bearer from-file')
    const gone = userCredentials({
      cluster: {server: 'https://x'},
      user: {token: 'static', tokenFile: join(dir, 'no-such-token')},
    })
    expect(gone.headers().Authorization).toBe('Bearer static')
  })

  it("reads kubectl's tokenFile, and again after a 401 (refresh)", () => {
    const tf = file('token', 'first\n')
    const s = userCredentials({cluster: {server: 'https://x'}, user: {tokenFile: tf}})
    expect(s.headers().Authorization).toBe('Bearer first')
    writeFileSync(tf, 'second')
    expect(s.headers().Authorization).toBe('Bearer first') // cached for client-go's period
    expect(s.refresh()).toBe(true)
    expect(s.headers().Authorization).toBe('Bearer second')
  })

  it(
    'a file the kubeconfig names that cannot be read is one clear error naming the field, the file and its ' + 'owner',
    () => {
      const gone = join(dirname(file('x', '')), 'no-such-file')
      const ca = () => clusterTrust({server: 'https://x', 'certificate-authority': gone}, 'prod')
      expect(ca).toThrow(UserError)
      expect(ca).toThrow(
        `cannot read certificate-authority "${gone}" of cluster "prod" in the kubeconfig: no such file`,
      )
      const key = () =>
        userCredentials({
          clusterName: 'prod',
          userName: 'me',
          cluster: {server: 'https://x'},
          user: {'client-certificate-data': 'Zm9v', 'client-key': gone},
        })
      expect(key).toThrow(`cannot read client-key "${gone}" of user "me" in the kubeconfig: no such file`)
      const s = userCredentials({
        clusterName: 'prod',
        userName: 'me',
        cluster: {server: 'https://x'},
        user: {tokenFile: gone},
      })!
      expect(() => s.headers()).toThrow(`cannot read tokenFile "${gone}" of user "me" in the kubeconfig: no such file`)
    },
  )

  it('impersonates as client-go does: one Impersonate-Group header per group, uid, extra', () => {
    const s = userCredentials({
      cluster: {server: 'https://x'},
      user: {
        token: 't',
        as: 'bob',
        'as-uid': 'u-1',
        'as-groups': ['dev', 'ops'],
        'as-user-extra': {'acme.io/team': ['a', 'b']},
      },
    })
    expect(s.headers()).toEqual({
      Authorization: 'Bearer t',
      'Impersonate-User': 'bob',
      'Impersonate-Uid': 'u-1',
      'Impersonate-Group': ['dev', 'ops'],
      'Impersonate-Extra-acme.io%2Fteam': ['a', 'b'],
    })
  })

  it('names the plugin to run, unless the user has its own token or certificate (client-go then never runs it)', () => {
    const exec = {command: 'aws', apiVersion: 'client.authentication.k8s.io/v1beta1'}
    expect(userCredentials({cluster: {server: 'https://x'}, user: {exec}}).exec).toMatchObject({
      command: 'aws',
      interactiveMode: 'IfAvailable',
    })
    expect(userCredentials({cluster: {server: 'https://x'}, user: {exec, token: 't'}}).exec).toBeUndefined()
    expect(
      userCredentials({cluster: {server: 'https://x'}, user: {'auth-provider': {name: 'oidc'}}}).authProvider,
    ).toEqual({name: 'oidc'})
  })

  it('refuses what kubectl refuses: a v1 plugin without interactiveMode, the removed gcp and azure providers', () => {
    const v1 = () =>
      userCredentials({
        userName: 'me',
        cluster: {server: 'https://x'},
        user: {exec: {command: 'p', apiVersion: 'client.authentication.k8s.io/v1'}},
      })
    expect(v1).toThrow('the exec entry of user "me" in the kubeconfig is invalid: interactiveMode must be specified')
    expect(() =>
      userCredentials({userName: 'me', cluster: {server: 'https://x'}, user: {'auth-provider': {name: 'gcp'}}}),
    ).toThrow(/gcp auth provider of user "me" .* has been removed from kubectl/)
  })

  it('keeps a proxied cluster (proxy-url belongs to src/k8s/connection.ts), token file included', () => {
    const token = file('proxied-token', 'from-file\n')
    const s = userCredentials({
      cluster: {server: 'https://x', 'proxy-url': 'socks5://proxy:1080'},
      user: {tokenFile: token},
    })
    expect(s.headers()).toEqual({Authorization: 'Bearer from-file'})
  })
})
