import {describe, expect, it} from 'vitest'

import {
  auditRequests,
  descendants,
  formatReport,
  growth,
  labelsOf,
  parseCounters,
  parseProcStat,
  requestsByVerbResource,
  treeTicks,
  type ProcCpu,
} from '../helpers/lab-load.js'

const stat = (
  pid: number,
  comm: string,
  ppid: number,
  utime: number,
  stime: number,
  cutime: number,
  cstime: number,
  start = 1000,
) =>
  `${pid} (${comm}) S ${ppid} ${pid} ${pid} 0 -1 4194560 100 0 0 0 ${utime} ${stime} ${cutime} ${cstime} 20 0 ` +
  `12 0 ${start} 1000000 500 18446744073709551615`

const procs = (...ps: ProcCpu[]) => new Map(ps.map((p) => [p.pid, p]))

describe('lab load: /proc', () => {
  it('reads the CPU fields of /proc/<pid>/stat, also with spaces and parentheses in the command', () => {
    expect(parseProcStat(stat(42, 'kube-apiserver', 7, 300, 50, 20, 5, 777))).toEqual({
      pid: 42,
      ppid: 7,
      self: 350,
      reaped: 25,
      start: 777,
    })
    expect(parseProcStat(stat(43, 'a (b) c', 1, 1, 2, 3, 4))).toMatchObject({pid: 43, ppid: 1, self: 3, reaped: 7})
    expect(parseProcStat('garbage')).toBeUndefined()
  })

  it('sums a tree, leaving out an excluded subtree; what a parent reaped keeps the sum', () => {
    const p = (pid: number, ppid: number, self: number, reaped = 0) => ({pid, ppid, self, reaped, start: 1})
    const before = procs(p(1, 0, 10), p(2, 1, 5), p(3, 2, 7), p(4, 1, 100), p(5, 4, 50))
    expect(descendants(before, 1, [4]).sort()).toEqual([1, 2, 3])
    expect(treeTicks(before, 1, [4])).toBe(22)
    // pid 3 ended (at 9 ticks) and pid 2 reaped it: the tree used 2 + 1 (pid 1) ticks since.
    const after = procs(p(1, 0, 11), p(2, 1, 5, 9), p(4, 1, 300))
    expect(treeTicks(after, 1, [4]) - treeTicks(before, 1, [4])).toBe(3)
    expect(treeTicks(after, 99)).toBe(0)
  })
})

describe('lab load: API server metrics', () => {
  const metrics = (get: number, list: number) =>
    [
      '# HELP apiserver_request_total [STABLE] Counter of apiserver requests',
      '# TYPE apiserver_request_total counter',
      `apiserver_request_total{code="200",component="apiserver",dry_run="",group="",resource="namespaces",` +
        `scope="resource",subresource="",verb="GET",version="v1"} ${get}`,
      `apiserver_request_total{code="404",component="apiserver",dry_run="",group="",resource="namespaces",` +
        `scope="resource",subresource="",verb="GET",version="v1"} 3`,
      `apiserver_request_total{code="200",component="apiserver",dry_run="",group="discovery.liqo.io",` +
        `resource="foreignclusters",scope="cluster",subresource="",verb="LIST",version="v1alpha1"} ${list}`,
      'apiserver_request_total{code="201",component="apiserver",dry_run="",group="",resource="pods",' +
        'scope="namespace",subresource="status",verb="PATCH",version="v1"} 1e+01',
      'apiserver_request_duration_seconds_bucket{le="0.1"} 7',
      'process_start_time_seconds 1.7e+09',
    ].join('\n')

  it('parses the counters asked for, with their labels', () => {
    const c = parseCounters(metrics(10, 4), ['apiserver_request_total', 'process_start_time_seconds'])
    expect(c.size).toBe(5)
    expect(c.get('process_start_time_seconds')).toBe(1.7e9)
    const key = [...c.keys()].find((k) => k.includes('PATCH'))!
    expect(c.get(key)).toBe(10)
    expect(labelsOf(key)).toMatchObject({verb: 'PATCH', resource: 'pods', subresource: 'status', group: ''})
  })

  it('counts the growth by verb and resource, a reset counter as its new value', () => {
    const names = ['apiserver_request_total']
    const grown = growth(parseCounters(metrics(10, 40), names), parseCounters(metrics(25, 6), names))
    expect(requestsByVerbResource(grown)).toEqual([
      {key: 'GET namespaces', count: 15},
      {key: 'LIST foreignclusters.discovery.liqo.io', count: 6},
    ])
  })
})

describe('lab load: audit log', () => {
  const event = (
    user: string,
    agent: string,
    verb: string,
    resource: string,
    name?: string,
    stage = 'ResponseComplete',
  ) =>
    JSON.stringify({
      kind: 'Event',
      stage,
      verb,
      userAgent: agent,
      user: {username: user, groups: ['system:masters']},
      objectRef: {resource, namespace: name ? 'ns' : undefined, name},
    })

  it('counts complete requests by client, verb and resource, with how many hit one object', () => {
    const lines = [
      event('admin', 'liqo-topology', 'get', 'namespaces', 'a'),
      event('admin', 'liqo-topology', 'get', 'namespaces', 'a'),
      event('admin', 'liqo-topology', 'get', 'namespaces', 'b'),
      event('admin', 'liqo-topology', 'watch', 'pods', undefined, 'ResponseStarted'),
      event('admin', 'kubectl/v1.31.0 (linux/amd64) kubernetes/abc', 'list', 'pods'),
      JSON.stringify({
        stage: 'ResponseComplete',
        verb: 'get',
        requestURI: '/metrics?x=1',
        userAgent: 'lab-load-report',
        user: {username: 'admin'},
      }),
      'not json "ResponseComplete"',
    ]
    expect(auditRequests(lines)).toEqual([
      {key: 'admin liqo-topology get namespaces', count: 3, objects: 2, maxPerObject: 2},
      {key: 'admin kubectl list pods', count: 1, objects: 0, maxPerObject: 0},
      {key: 'admin lab-load-report get /metrics', count: 1, objects: 0, maxPerObject: 0},
    ])
  })
})

describe('lab load: the report', () => {
  it('prints CPU seconds and cores per process, and each API server’s rate and top requests', () => {
    const text = formatReport({
      lab: 'v0.3',
      seconds: 100,
      cpu: [{name: 'cluster-1/kube-apiserver', seconds: 42, cores: 0.42}],
      apiServers: [
        {
          cluster: 'cluster-1',
          requests: 1000,
          perSecond: 10,
          top: [{key: 'GET namespaces', count: 600}],
          audited: [{key: 'admin liqo-topology get namespaces', count: 600, objects: 3, maxPerObject: 400}],
        },
      ],
    })
    expect(text).toContain('v0.3 lab over 100.0 s')
    expect(text).toMatch(/42\.0\s+0\.42\s+cluster-1\/kube-apiserver/)
    expect(text).toContain('cluster-1 API server: 1000 requests, 10.0/s')
    expect(text).toMatch(/600\s+6\.00\/s\s+GET namespaces/)
    expect(text).toMatch(/600\s+3\s+400\s+admin liqo-topology get namespaces/)
  })
})
