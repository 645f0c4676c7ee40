import {describe, expect, it} from 'vitest'

import {
  backoffMs,
  binaryFor,
  containerArgv,
  containerEnv,
  expand,
  fieldValue,
  identityArgs,
  kubernetesServiceEnv,
  readProbe,
} from '../../src/v1/pod-spec.js'
import {mountPlan, mountScript} from '../../src/v1/pod-mounts.js'
import {downwardFiles, keyFiles} from '../../src/v1/pod-volumes.js'

const rule = {
  registry: 'ghcr.io/liqotech/',
  tag: 'v1.2.0',
  binaries: ['liqo-controller-manager', 'webhook', 'virtual-kubelet'],
}
const facts = {
  podIp: '10.200.16.2',
  hostIp: '10.200.1.1',
  nodeName: 'cluster-1-control-plane',
  capacity: {cpu: '8', memory: '32Gi'},
}
const pod = {
  metadata: {
    name: 'liqo-webhook-abc',
    namespace: 'liqo',
    uid: 'u-1',
    labels: {app: 'w', 'a.b/c': 'x'},
    annotations: {note: 'hi'},
  },
  spec: {
    serviceAccountName: 'liqo-webhook',
    securityContext: {runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000},
  },
}

describe('binaryFor', () => {
  it('maps a Liqo image of the lab version to the cached binary named by its command', () => {
    expect(binaryFor({image: 'ghcr.io/liqotech/webhook:v1.2.0', command: ['/usr/bin/webhook']}, rule)).toEqual({
      ok: true,
      value: 'webhook',
    })
  })
  it('falls back to the image name without a command', () => {
    expect(binaryFor({image: 'ghcr.io/liqotech/virtual-kubelet:v1.2.0'}, rule)).toEqual({
      ok: true,
      value: 'virtual-kubelet',
    })
  })
  it('refuses other images and other tags with ErrImagePull', () => {
    const other = binaryFor({image: 'nginx:1.27'}, rule)
    expect(other.ok).toBe(false)
    expect(!other.ok && other.reason).toBe('ErrImagePull')
    expect(binaryFor({image: 'ghcr.io/liqotech/webhook:v1.1.2', command: ['/usr/bin/webhook']}, rule).ok).toBe(false)
  })
  it('refuses a Liqo binary the lab did not build', () => {
    const r = binaryFor({image: 'ghcr.io/liqotech/ipam:v1.2.0', command: ['/usr/bin/ipam']}, rule)
    expect(!r.ok && r.message).toContain('no build of ipam')
  })
})

describe('environment and arguments', () => {
  it('expands $(VAR) with what came before, keeps unknown references, and unescapes $$', () => {
    const vars = new Map([['A', '1']])
    expect(expand('x$(A)y$(B)z$$(A)', vars)).toBe('x1y$(B)z$(A)')
  })
  it('builds the env in kubelet order: service vars, envFrom, env, with field and key references', () => {
    const container = {
      envFrom: [{configMapRef: {name: 'cm'}, prefix: 'P_'}],
      env: [
        {name: 'CLUSTER_ID', valueFrom: {configMapKeyRef: {name: 'ids', key: 'CLUSTER_ID'}}},
        {name: 'POD_NAMESPACE', valueFrom: {fieldRef: {fieldPath: 'metadata.namespace'}}},
        {name: 'POD_IP', valueFrom: {fieldRef: {fieldPath: 'status.podIP'}}},
        {name: 'WHO', value: '$(POD_NAMESPACE)/$(CLUSTER_ID)'},
      ],
    }
    const lookup = (kind: string, name: string): Record<string, string> | undefined =>
      kind === 'configMap' && name === 'cm'
        ? {K: 'v'}
        : kind === 'configMap' && name === 'ids'
          ? {CLUSTER_ID: 'cluster-1'}
          : undefined
    const r = containerEnv(pod, container, facts, lookup, kubernetesServiceEnv('10.200.1.1', 6443))
    expect(r.ok).toBe(true)
    const env = r.ok ? Object.fromEntries(r.value) : {}
    expect(env).toMatchObject({
      KUBERNETES_SERVICE_HOST: '10.200.1.1',
      KUBERNETES_SERVICE_PORT: '6443',
      P_K: 'v',
      CLUSTER_ID: 'cluster-1',
      POD_NAMESPACE: 'liqo',
      POD_IP: '10.200.16.2',
      WHO: 'liqo/cluster-1',
    })
  })
  it('reports a missing ConfigMap key like the kubelet (CreateContainerConfigError), unless optional', () => {
    const c = {env: [{name: 'X', valueFrom: {configMapKeyRef: {name: 'ids', key: 'NOPE'}}}]}
    const r = containerEnv(pod, c, facts, () => ({}), {})
    expect(!r.ok && r.reason).toBe('CreateContainerConfigError')
    const opt = containerEnv(
      pod,
      {env: [{name: 'X', valueFrom: {configMapKeyRef: {name: 'ids', key: 'NOPE', optional: true}}}]},
      facts,
      () => ({}),
      {},
    )
    expect(opt.ok).toBe(true)
  })
  it('argv is command[1..] then args, expanded', () => {
    expect(
      containerArgv(
        {command: ['/usr/bin/webhook', '--a'], args: ['--id=$(CLUSTER_ID)']},
        new Map([['CLUSTER_ID', 'c1']]),
      ),
    ).toEqual(['--a', '--id=c1'])
  })
  it('reads labels and annotations by key', () => {
    expect(fieldValue(pod, "metadata.labels['a.b/c']", facts)).toBe('x')
    expect(fieldValue(pod, 'spec.serviceAccountName', facts)).toBe('liqo-webhook')
  })
})

describe('identity', () => {
  it('runs as the pod user with fsGroup as a supplementary group, no_new_privs, and the death signal re-armed', () => {
    expect(identityArgs(pod, {securityContext: {allowPrivilegeEscalation: false}})).toEqual([
      'setpriv',
      '--reuid=1000',
      '--regid=1000',
      '--groups=1000',
      '--no-new-privs',
      '--',
      'setpriv',
      '--pdeathsig',
      'SIGKILL',
      '--',
    ])
  })
  it('stays root when no user is asked for', () => {
    expect(identityArgs({spec: {}}, {})).toEqual([])
  })
  it('the container securityContext wins over the pod', () => {
    expect(identityArgs(pod, {securityContext: {runAsUser: 2000}})).toContain('--reuid=2000')
  })
})

describe('mounts', () => {
  it('maps /var/run to /run and keeps subPath and readOnly', () => {
    expect(
      mountPlan({
        volumeMounts: [
          {name: 'sa', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true},
          {name: 'c', mountPath: '/tmp/x/', subPath: 'f'},
        ],
      }),
    ).toEqual([
      {volume: 'sa', target: '/run/secrets/kubernetes.io/serviceaccount', readOnly: true},
      {volume: 'c', target: '/tmp/x', readOnly: false, subPath: 'f'},
    ])
  })
  it('stages private tmpfs roots in the pod folder, binds into them, then moves them over /run and /tmp', () => {
    const ok = mountScript(
      [{volume: 'sa', target: '/run/secrets/x', readOnly: true, source: '/tmp/lab/v/sa'}],
      () => false,
      {stage: '/tmp/lab/p/roots', hostname: 'pod-1'},
    )
    expect(ok.ok && ok.value.split('\n')).toEqual([
      'set -e',
      "hostname 'pod-1'",
      "mount -n -t tmpfs -o mode=1777 tmpfs '/tmp/lab/p/roots/tmp'",
      "mount -n -t tmpfs -o mode=1777 tmpfs '/tmp/lab/p/roots/run'",
      "mkdir -p '/tmp/lab/p/roots/run/secrets'",
      "if [ -d '/tmp/lab/v/sa' ]; then mkdir -p '/tmp/lab/p/roots/run/secrets/x'; else touch " +
        "'/tmp/lab/p/roots/run/secrets/x'; fi",
      "mount -n --bind '/tmp/lab/v/sa' '/tmp/lab/p/roots/run/secrets/x'",
      "mount -n -o remount,bind,ro '/tmp/lab/p/roots/run/secrets/x'",
      // the staging folder is under /tmp: /run moves first, while it is still reachable
      "mount -n --move '/tmp/lab/p/roots/run' /run",
      "mount -n --move '/tmp/lab/p/roots/tmp' /tmp",
      'exec "$@"',
    ])
    const bad = mountScript([{volume: 'v', target: '/etc/liqo', readOnly: false, source: '/x'}], () => false, {
      stage: '/s',
    })
    expect(!bad.ok && bad.reason).toBe('CreateContainerConfigError')
    const inPlace = mountScript([{volume: 'v', target: '/etc/liqo', readOnly: false, source: '/x'}], () => true, {
      stage: '/s',
    })
    expect(inPlace.ok && inPlace.value).toContain("mount -n --bind '/x' '/etc/liqo'")
  })
  it('quotes paths with quotes in them', () => {
    const r = mountScript([{volume: 'v', target: "/tmp/it's", readOnly: false, source: '/s'}], () => false, {
      stage: '/st',
    })
    expect(r.ok && r.value).toContain(`'/st/tmp/it'\\''s'`)
  })
})

describe('probes and back-off', () => {
  it("reads an httpGet readiness probe by port name, with the kubelet's defaults", () => {
    const c = {ports: [{name: 'healthz', containerPort: 8081}]}
    expect(readProbe(c, {httpGet: {path: '/readyz', port: 'healthz'}}, 'readiness')).toMatchObject({
      kind: 'http',
      port: 8081,
      path: '/readyz',
      periodMs: 10_000,
      firstPeriodMs: 2000,
      timeoutMs: 1000,
      failureThreshold: 3,
      successThreshold: 1,
    })
    expect(readProbe(c, {tcpSocket: {port: 9443}, periodSeconds: 20}, 'liveness')).toMatchObject({
      kind: 'tcp',
      port: 9443,
      periodMs: 20_000,
      firstPeriodMs: 20_000,
    })
    // Liveness and startup probes pass on one success whatever the spec says (as the API validates).
    expect(
      readProbe(c, {exec: {command: ['true']}, successThreshold: 3, failureThreshold: 30}, 'startup'),
    ).toMatchObject({kind: 'exec', successThreshold: 1, failureThreshold: 30})
    expect(readProbe(c, undefined, 'readiness')).toBeUndefined()
  })
  it('backs off exponentially from 1s, capped at a minute', () => {
    expect([1, 2, 3, 4, 10].map(backoffMs)).toEqual([1000, 2000, 4000, 8000, 60_000])
  })
})

describe('volume files', () => {
  it('a key source with items picks and renames keys; a missing key is an error unless optional', () => {
    const data = {a: Buffer.from('1'), b: Buffer.from('2')}
    const r = keyFiles(data, {name: 'cm', items: [{key: 'b', path: 'dir/b.txt', mode: 0o600}]}, 0o644)
    expect(r.ok && r.value).toEqual([{path: 'dir/b.txt', content: Buffer.from('2'), mode: 0o600}])
    expect(keyFiles(data, {name: 'cm', items: [{key: 'z', path: 'z'}]}, 0o644).ok).toBe(false)
    expect(keyFiles(data, {name: 'cm', optional: true, items: [{key: 'z', path: 'z'}]}, 0o644)).toEqual({
      ok: true,
      value: [],
    })
    expect(
      keyFiles(data, {name: 'cm'}, 0o644).ok && (keyFiles(data, {name: 'cm'}, 0o644) as {value: unknown[]}).value,
    ).toHaveLength(2)
  })
  it('downwardAPI writes the namespace, and labels as sorted key="value" lines', () => {
    const files = downwardFiles(
      pod,
      {
        items: [
          {path: 'namespace', fieldRef: {fieldPath: 'metadata.namespace'}},
          {path: 'labels', fieldRef: {fieldPath: 'metadata.labels'}},
        ],
      },
      facts,
      0o644,
    )
    expect(files.map((f) => [f.path, f.content.toString()])).toEqual([
      ['namespace', 'liqo'],
      ['labels', 'a.b/c="x"\napp="w"'],
    ])
  })
})
