/**
 * The real-Liqo lab's network, on this host only: one Linux bridge per lab holding 10.X.0.1/16 and
 * each cluster's API address 10.X.c.1, and one network namespace per pod (a veth on the bridge,
 * its pod IP, a default route to the bridge). Pods reach every lab API server, API servers reach
 * webhook pods at their pod IPs; nothing leaves the host and no firewall rule is written.
 * Needs root and iproute2 (`ip`). Every name carries X, so labs never touch each other's links.
 */
import {spawn, spawnSync} from 'node:child_process'

export interface LabNet {
  /** Second octet of the lab's 10.X.0.0/16. */
  octet: number
  bridge: string
  gateway: string
}

/** Cluster c's (1-based) API server address. */
export const clusterApiIp = (net: LabNet, c: number) => `10.${net.octet}.${c}.1`
/** Cluster c's pod CIDR: host pods from the first /21, kwok's pods from the second. */
export const clusterPodCidr = (net: LabNet, c: number) => `10.${net.octet}.${16 * c}.0/20`
export const clusterKwokCidr = (net: LabNet, c: number) => `10.${net.octet}.${16 * c + 8}.0/21`

export class NetError extends Error {}

function ip(args: string[], allowFail = false): string {
  const r = spawnSync('ip', args, {encoding: 'utf8'})
  if (r.error) throw new NetError(`the real-Liqo lab needs iproute2 (the "ip" command): ${r.error.message}`)
  if (r.status !== 0 && !allowFail) throw new NetError(`ip ${args.join(' ')}: ${(r.stderr || r.stdout).trim()}`)
  return r.stdout
}

/**
 * Runs `ip -batch` without blocking: the lab's host kubelets share one event loop with the probes
 * they time, so a pod's network is made by two `ip` processes running beside it, not by a series
 * of synchronous ones that would stall every probe and heartbeat of the lab meanwhile.
 */
function ipBatch(global: string[], lines: string[], allowFail = false): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('ip', [...global, ...(allowFail ? ['-force'] : []), '-batch', '-'], {
      stdio: ['pipe', 'ignore', 'pipe'],
    })
    let err = ''
    child.stderr.on('data', (d: Buffer) => (err += d.toString()))
    child.on('error', (e) => reject(new NetError(`the real-Liqo lab needs iproute2 (the "ip" command): ${e.message}`)))
    child.on('close', (code) =>
      code === 0 || allowFail
        ? resolve()
        : reject(new NetError(`ip ${global.join(' ')} -batch (${lines.join('; ')}): ${err.trim()}`)),
    )
    child.stdin.end(lines.join('\n') + '\n')
  })
}

/** Refuses early, with what to do, when this host cannot make the lab's network. */
export function checkNetworkPrerequisites(): void {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    throw new NetError(
      "the real-Liqo lab (--liqo v1.2) runs Liqo's pods in network namespaces and needs root; run it as root " +
        '(e.g. in a VM or CI container), or use the v0.3 emulator lab (lab up without --liqo)',
    )
  }
  ip(['-V'])
  for (const tool of ['setpriv', 'unshare', 'mount']) {
    const r = spawnSync('sh', ['-c', `command -v ${tool}`], {encoding: 'utf8'})
    if (r.status !== 0) throw new NetError(`the real-Liqo lab needs ${tool} (Debian package util-linux / mount)`)
  }
}

/** Picks a 10.X.0.0/16 that no address or route of this host uses. */
export function pickOctet(taken: number[] = []): number {
  const used = `${ip(['-4', '-o', 'addr', 'show'])}\n${ip(['-4', 'route', 'show', 'table', 'all'], true)}`
  for (let x = 200; x <= 254; x++) {
    if (taken.includes(x)) continue
    if (new RegExp(`\\b10\\.${x}\\.`).test(used)) continue
    return x
  }
  throw new NetError('no free 10.X.0.0/16 (X in 200..254) for the lab network on this host')
}

export function netFor(octet: number): LabNet {
  return {octet, bridge: `ltbr${octet}`, gateway: `10.${octet}.0.1`}
}

/**
 * The bridge's own MAC address, set once (locally administered, one per lab). Left unset, Linux
 * gives a bridge the lowest MAC of its ports and changes it whenever a pod's veth with a lower one
 * comes or goes; every pod's ARP entry for the gateway is then stale until it expires, and every
 * pod of the lab is cut off from the API servers and the kubelet's probes meanwhile.
 */
export const bridgeMac = (net: LabNet) => `02:4c:54:0a:${net.octet.toString(16).padStart(2, '0')}:01`

export function createNetwork(net: LabNet, clusters: number): void {
  destroyNetwork(net)
  ip(['link', 'add', net.bridge, 'address', bridgeMac(net), 'type', 'bridge'])
  ip(['addr', 'add', `${net.gateway}/16`, 'dev', net.bridge])
  for (let c = 1; c <= clusters; c++) ip(['addr', 'add', `${clusterApiIp(net, c)}/32`, 'dev', net.bridge])
  ip(['link', 'set', net.bridge, 'up'])
}

/** The network namespace of the pod with this IP (under /run/netns). */
export const podNetnsName = (net: LabNet, podIp: string) => `lt${net.octet}-${podIp.split('.').slice(2).join('-')}`
const vethName = (net: LabNet, podIp: string) => `lv${net.octet}-${podIp.split('.').slice(2).join('-')}`

/** Creates a pod's network namespace; returns its name (under /run/netns). */
export async function createPodNetns(net: LabNet, podIp: string): Promise<string> {
  const ns = podNetnsName(net, podIp)
  const veth = vethName(net, podIp)
  await deletePodNetns(net, podIp)
  await ipBatch(
    [],
    [
      `netns add ${ns}`,
      `link add ${veth} type veth peer name eth0 netns ${ns}`,
      `link set ${veth} master ${net.bridge} up`,
    ],
  )
  await ipBatch(
    ['-n', ns],
    [`addr add ${podIp}/16 dev eth0`, 'link set lo up', 'link set eth0 up', `route add default via ${net.gateway}`],
  )
  return ns
}

export async function deletePodNetns(net: LabNet, podIp: string): Promise<void> {
  await ipBatch([], [`netns delete ${podNetnsName(net, podIp)}`, `link delete ${vethName(net, podIp)}`], true)
}

/** Removes the bridge and every pod namespace of this lab (idempotent; for down and stale runs). */
export function destroyNetwork(net: LabNet): string[] {
  const removed: string[] = []
  const prefix = `lt${net.octet}-`
  for (const line of ip(['netns', 'list'], true).split('\n')) {
    const name = line.split(' ')[0]
    if (name?.startsWith(prefix)) {
      ip(['netns', 'delete', name], true)
      removed.push(`netns ${name}`)
    }
  }
  if (ip(['link', 'show', net.bridge], true).includes(net.bridge)) {
    ip(['link', 'delete', net.bridge], true)
    removed.push(`bridge ${net.bridge}`)
  }
  return removed
}
