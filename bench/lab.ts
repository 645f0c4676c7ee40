/**
 * Benchmark (not a test): how long `lab up --tutorial` takes and how much memory the whole lab
 * uses (RSS of the supervisor and every control-plane process), over a few rounds, median first.
 *   npm run bench:lab [-- --rounds 3]
 */
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {cpus, tmpdir, totalmem} from 'node:os'
import {join} from 'node:path'

import {labDown, labUp} from '../src/lab/lab.js'
import {readState} from '../src/lab/state.js'

function rssKb(pid: number): number {
  try {
    const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+) kB$/m)
    return m ? Number(m[1]) : 0
  } catch {
    return 0
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

const roundsArg = process.argv.indexOf('--rounds')
const rounds = roundsArg > 0 ? Number(process.argv[roundsArg + 1]) : 3
const times: number[] = []
const mems: number[] = []
let perProcess: Array<[string, number]> = []
for (let i = 0; i < rounds; i++) {
  const dir = mkdtempSync(join(tmpdir(), 'liqo-topology-bench-lab-'))
  const t0 = performance.now()
  await labUp({dir, tutorial: true, delayMs: 1000, build: true, onProgress: () => {}})
  times.push(performance.now() - t0)
  await new Promise((r) => setTimeout(r, 3000)) // let the components settle after start-up
  const s = readState(dir)!
  const parts: Array<[string, number]> = [['supervisor (Liqo emulator)', rssKb(s.supervisorPid)], ...s.processes.map((p): [string, number] => [p.name, rssKb(p.pid)])]
  mems.push(parts.reduce((n, [, kb]) => n + kb, 0))
  perProcess = parts
  await labDown(dir)
  rmSync(dir, {recursive: true, force: true})
  process.stderr.write(`round ${i + 1}/${rounds}: up ${(times.at(-1)! / 1000).toFixed(1)}s, ${(mems.at(-1)! / 1024).toFixed(0)} MiB\n`)
}
const mib = (kb: number) => `${(kb / 1024).toFixed(0)} MiB`
console.log(`Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}\n`)
console.log('| figure | median | min | max |')
console.log('| --- | --- | --- | --- |')
console.log(
  `| \`lab up --tutorial\` wall time (${rounds} rounds) | ${(median(times) / 1000).toFixed(1)} s | ${(Math.min(...times) / 1000).toFixed(1)} s | ${(Math.max(...times) / 1000).toFixed(1)} s |`,
)
console.log(`| lab total memory (RSS, all processes) | ${mib(median(mems))} | ${mib(Math.min(...mems))} | ${mib(Math.max(...mems))} |`)
console.log('\nLast round, per process:\n')
console.log('| process | RSS |\n| --- | --- |')
for (const [name, kb] of perProcess) console.log(`| ${name} | ${mib(kb)} |`)
