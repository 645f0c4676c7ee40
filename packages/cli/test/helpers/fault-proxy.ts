/**
 * An HTTP-level fault proxy on loopback in front of the lab's real API server: it terminates TLS
 * with the lab's serving certificate (so kubeconfigVia(port) trusts it as it trusts the API
 * server), forwards every request with its credentials untouched, records what went through, and
 * can answer instead of the API server (`answer`) or close each watch as soon as the API server
 * accepted it (`closeWatches`), as a proxy that cuts streams does.
 */
import {readFileSync} from 'node:fs'
import http from 'node:http'
import https from 'node:https'
import {join} from 'node:path'

import {freePort} from '@liqo-topology/lab/controlplane'
import {lab} from './lab.js'

export interface SeenRequest {
  method: string
  path: string
  watch: boolean
  at: number
  status: number
}

export interface CannedAnswer {
  status: number
  headers?: Record<string, string>
  body: string
}

export interface FaultProxy {
  port: number
  seen: SeenRequest[]
  /** Return an answer to give it instead of the API server; undefined forwards the request. */
  answer?: (r: {method: string; path: string; watch: boolean}) => CannedAnswer | undefined
  closeWatches: boolean
  close(): Promise<void>
}

export async function faultProxy(upstreamPort: number): Promise<FaultProxy> {
  const pki = join(lab!.dir, 'pki')
  const ca = readFileSync(join(pki, 'ca.crt'))
  const upstream = new https.Agent({keepAlive: true, ca})
  const proxy: FaultProxy = {port: 0, seen: [], closeWatches: false, close: async () => {}}
  const server = https.createServer(
    {cert: readFileSync(join(pki, 'serving.crt')), key: readFileSync(join(pki, 'serving.key'))},
    (req, res) => {
      const url = new URL(req.url!, 'https://proxy')
      const watch = ['1', 'true'].includes(url.searchParams.get('watch') ?? '')
      const record: SeenRequest = {method: req.method!, path: url.pathname, watch, at: Date.now(), status: 0}
      proxy.seen.push(record)
      const canned = proxy.answer?.({method: record.method, path: record.path, watch})
      if (canned) {
        record.status = canned.status
        req.resume()
        res.writeHead(canned.status, canned.headers ?? {})
        return void res.end(canned.body)
      }
      const out = https.request(
        {
          host: '127.0.0.1',
          port: upstreamPort,
          method: req.method,
          path: req.url,
          headers: {...req.headers, host: `127.0.0.1:${upstreamPort}`},
          agent: upstream,
        },
        (up) => {
          record.status = up.statusCode ?? 0
          res.writeHead(up.statusCode ?? 502, up.headers as http.OutgoingHttpHeaders)
          if (watch && proxy.closeWatches && record.status === 200) {
            // The stream is cut as soon as it opened: no event reaches the client.
            up.destroy()
            return void res.end()
          }
          up.pipe(res)
        },
      )
      out.on('error', () => res.destroy())
      res.on('close', () => out.destroy())
      req.pipe(out)
    },
  )
  const port = await freePort()
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()))
  proxy.port = port
  proxy.close = () =>
    new Promise((r) => {
      server.closeAllConnections()
      upstream.destroy()
      server.close(() => r())
    })
  return proxy
}
