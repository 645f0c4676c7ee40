/**
 * Proxies on loopback for the connection tests: an HTTP CONNECT proxy (plain or TLS) and a SOCKS5
 * proxy. Test-only and small on purpose: the tests need what no npm proxy server offers together,
 * names that only the proxy can resolve (to show where a name is resolved) and a record of every
 * tunnel asked for (to show that kubectl and liqo-topology both went through it). Only tunnels:
 * the lab's API servers speak TLS.
 */
import http from 'node:http'
import https from 'node:https'
import net from 'node:net'

export interface TestProxy {
  /** e.g. http://127.0.0.1:41234 */
  url: string
  /** Each tunnel asked for: "CONNECT host:port", or "SOCKS5 name host:port" / "SOCKS5 address host:port". */
  seen: string[]
  close(): Promise<void>
}

/** `hosts` maps names to addresses: the proxy's own resolver; any other name is refused. */
function resolve(hosts: Record<string, string>, host: string): string | undefined {
  return net.isIP(host) ? host : hosts[host.toLowerCase()]
}

function tunnel(client: net.Socket, address: string, port: number, head: Buffer, ok: Buffer, fail: Buffer): void {
  const upstream = net.connect(port, address, () => {
    client.write(ok)
    if (head.length) upstream.write(head)
    upstream.pipe(client)
    client.pipe(upstream)
  })
  upstream.on('error', () => client.end(fail))
  client.on('error', () => upstream.destroy())
}

function listening(server: net.Server, scheme: string, seen: string[], sockets: Set<net.Socket>): Promise<TestProxy> {
  server.on('connection', (s: net.Socket) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
  })
  return new Promise((done) =>
    server.listen(0, '127.0.0.1', () => {
      const {port} = server.address() as net.AddressInfo
      done({
        url: `${scheme}://127.0.0.1:${port}`,
        seen,
        close: () =>
          new Promise<void>((closed) => {
            for (const s of sockets) s.destroy()
            server.close(() => closed())
          }),
      })
    }),
  )
}

/** An HTTP proxy (an HTTPS one with `tls`) that tunnels CONNECT requests. */
export function connectProxy(hosts: Record<string, string>, tls?: {cert: Buffer; key: Buffer}): Promise<TestProxy> {
  const seen: string[] = []
  const server = tls ? https.createServer(tls) : http.createServer()
  server.on('request', (_req, res: http.ServerResponse) => res.writeHead(405).end())
  server.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    const target = req.url ?? ''
    seen.push(`CONNECT ${target}`)
    const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(target)
    const address = m && resolve(hosts, m[1]!)
    if (!m || !address) {
      client.end('HTTP/1.1 502 Bad Gateway\r\n\r\n')
      return
    }
    tunnel(
      client,
      address,
      Number(m[2]),
      head,
      Buffer.from('HTTP/1.1 200 Connection Established\r\n\r\n'),
      Buffer.from('HTTP/1.1 502 Bad Gateway\r\n\r\n'),
    )
  })
  return listening(server, tls ? 'https' : 'http', seen, new Set())
}

/** A SOCKS5 proxy without authentication (RFC 1928), CONNECT only. */
export function socks5Proxy(hosts: Record<string, string>): Promise<TestProxy> {
  const seen: string[] = []
  const server = net.createServer((client) => {
    let buffered = Buffer.alloc(0)
    let greeted = false
    const onData = (d: Buffer) => {
      buffered = Buffer.concat([buffered, d])
      if (!greeted) {
        // VER NMETHODS METHODS...: answer "no authentication".
        if (buffered.length < 2 || buffered.length < 2 + buffered[1]!) return
        buffered = buffered.subarray(2 + buffered[1]!)
        greeted = true
        client.write(Buffer.from([5, 0]))
      }
      // VER CMD RSV ATYP DST.ADDR DST.PORT
      if (buffered.length < 5) return
      const atyp = buffered[3]!
      const addrLen = atyp === 1 ? 4 : atyp === 4 ? 16 : 1 + buffered[4]!
      if (buffered.length < 4 + addrLen + 2) return
      const raw = buffered.subarray(4, 4 + addrLen)
      const host =
        atyp === 1
          ? [...raw].join('.')
          : atyp === 4
            ? raw.toString('hex').match(/.{4}/g)!.join(':')
            : raw.subarray(1).toString()
      const port = buffered.readUInt16BE(4 + addrLen)
      const head = buffered.subarray(4 + addrLen + 2)
      client.off('data', onData)
      seen.push(`SOCKS5 ${atyp === 3 ? 'name' : 'address'} ${host}:${port}`)
      const address = buffered[1] === 1 ? resolve(hosts, host) : undefined
      const reply = (code: number) => Buffer.from([5, code, 0, 1, 0, 0, 0, 0, 0, 0])
      if (!address) {
        client.end(reply(4)) // host unreachable
        return
      }
      tunnel(client, address, port, head, reply(0), reply(5))
    }
    client.on('data', onData)
    client.on('error', () => client.destroy())
  })
  return listening(server, 'socks5', seen, new Set())
}
