/**
 * `pods where` with a kubeconfig whose user is a credential plugin (exec), against the same with a
 * bearer token, and kubectl on the exec kubeconfig. The plugin is a shell script printing an
 * ExecCredential with the lab's token: its own cost is a fork, so the ratio shows ours.
 */
import {chmodSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import type {LabState} from '@liqo-topology/lab/state'
import {add, log, median, ms, run} from './util.js'

/** Writes the plugin and a one-context kubeconfig using it; returns the kubeconfig's path. */
export function execKubeconfig(state: LabState, dir: string, context = 'cluster-1'): string {
  const doc = JSON.parse(readFileSync(state.kubeconfig, 'utf8').replace(/^#.*\n/, '')) as {
    clusters: Array<{name: string; cluster: Record<string, unknown>}>
    users: Array<{name: string; user: {token?: string}}>
    contexts: Array<{name: string; context: {cluster: string; user: string}}>
  }
  const ctx = doc.contexts.find((c) => c.name === context)!
  const cluster = doc.clusters.find((c) => c.name === ctx.context.cluster)!
  const token = doc.users.find((u) => u.name === ctx.context.user)!.user.token!
  const plugin = join(dir, 'bench-exec-plugin.sh')
  const cred = JSON.stringify({apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status: {token}})
  writeFileSync(plugin, `#!/bin/sh\ncat <<'EOF'\n${cred}\nEOF\n`, {mode: 0o700})
  chmodSync(plugin, 0o700)
  const file = join(dir, 'bench-exec.kubeconfig')
  const user = {exec: {apiVersion: 'client.authentication.k8s.io/v1', command: plugin, interactiveMode: 'Never'}}
  const kc = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [cluster],
    users: [{name: 'exec-user', user}],
    contexts: [{name: context, context: {cluster: cluster.name, user: 'exec-user'}}],
    'current-context': context,
  }
  writeFileSync(file, JSON.stringify(kc), {mode: 0o600})
  return file
}

export async function benchExec(o: {state: LabState; dir: string; cli: string[]; rounds: number}): Promise<void> {
  const kubeconfig = execKubeconfig(o.state, o.dir)
  const kubectl = join(o.state.binDir, 'kubectl')
  log('pods where: exec kubeconfig vs token kubeconfig')
  const args = ['pods', 'where', '-n', 'liqo-test', '--context', 'cluster-1']
  const cases = {
    token: {cmd: [...o.cli, ...args], env: {KUBECONFIG: o.state.kubeconfig, NO_COLOR: '1'}},
    exec: {cmd: [...o.cli, ...args], env: {KUBECONFIG: kubeconfig, NO_COLOR: '1'}},
    kubectl: {cmd: [kubectl, 'get', 'pods', '-n', 'liqo-test', '-o', 'wide'], env: {KUBECONFIG: kubeconfig}},
  }
  // Interleaved rounds, so that the load of a shared machine falls on all three alike.
  const times: Record<keyof typeof cases, number[]> = {token: [], exec: [], kubectl: []}
  for (let i = -1; i < o.rounds; i++) {
    for (const [name, c] of Object.entries(cases) as Array<[keyof typeof cases, (typeof cases)['token']]>) {
      const r = await run(c.cmd, c.env)
      if (r.code !== 0) throw new Error(`${c.cmd.join(' ')} exited ${r.code}`)
      if (i >= 0) times[name].push(r.ms) // round -1 warms the page cache
    }
  }
  const [token, exec, kc] = [{ms: median(times.token)}, {ms: median(times.exec)}, {ms: median(times.kubectl)}]
  const ratio = exec.ms / token.ms
  add(
    'wall time of `pods where` with an exec credential plugin',
    ms(exec.ms),
    `${ms(token.ms)} (same with a token); kubectl on the exec kubeconfig ${ms(kc.ms)}`,
    `${ratio.toFixed(2)}×`,
    '≤ 1.2×',
    ratio <= 1.2,
  )
}
