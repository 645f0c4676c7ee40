/**
 * Benchmark (not a test): how long `lab up --tutorial` takes and how much memory the whole lab
 * uses (RSS of the supervisor and every process it runs), in both lab modes — the Liqo v0.3
 * emulator and Liqo v1.2's own controllers — over a few rounds each, median first.
 *   npm run bench:lab [-- --rounds 3] [-- --liqo v1.2]
 */
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {cpus, tmpdir, totalmem} from 'node:os'
import {join} from 'node:path'

import {LAB_LIQO_LINES, labDown, labUp, type LabLiqoLine} from '../src/lab.js'
import {readState} from '../src/state.js'

function rssKb(pid: number): number {
  try {
    const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+) kB$/m)
    return m ? Number(m[1]) : 0
  } catch {
    return 0
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const arg = (name: string) => {
  const i = process.argv.indexOf(name)
  return i > 0 ? process.argv[i + 1] : undefined
}
const rounds = Number(arg('--rounds') ?? 3)
const lines: LabLiqoLine[] = arg('--liqo') ? [arg('--liqo') as LabLiqoLine] : [...LAB_LIQO_LINES]
const mib = (kb: number) => `${(kb / 1024).toFixed(0)} MiB`

interface ModeFigures {
  line: LabLiqoLine
  times: number[]
  mems: number[]
  perProcess: Array<[string, number]>
}

async function measure(line: LabLiqoLine): Promise<ModeFigures> {
  const f: ModeFigures = {line, times: [], mems: [], perProcess: []}
  for (let i = 0; i < rounds; i++) {
    const dir = mkdtempSync(join(tmpdir(), 'liqo-topology-bench-lab-'))
    const t0 = performance.now()
    await labUp({dir, tutorial: true, liqo: line, delayMs: 1000, build: true, onProgress: () => {}})
    f.times.push(performance.now() - t0)
    await new Promise((r) => setTimeout(r, 3000)) // let the components settle after start-up
    const s = readState(dir)!
    const parts: Array<[string, number]> = [
      ['supervisor', rssKb(s.supervisorPid)],
      ...s.processes.filter((p) => p.pid > 0).map((p): [string, number] => [p.name, rssKb(p.pid)]),
    ]
    f.mems.push(parts.reduce((n, [, kb]) => n + kb, 0))
    f.perProcess = parts
    await labDown(dir)
    rmSync(dir, {recursive: true, force: true})
    process.stderr.write(
      `${line} round ${i + 1}/${rounds}: up ${(f.times.at(-1)! / 1000).toFixed(1)}s, ${mib(f.mems.at(-1)!)}\n`,
    )
  }
  return f
}

const results: ModeFigures[] = []
for (const line of lines) results.push(await measure(line))
console.log(
  `Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, ` +
    `Node ${process.version}\n`,
)
console.log('| lab | figure | median | min | max |')
console.log('| --- | --- | --- | --- | --- |')
for (const f of results) {
  const name = f.line === 'v0.3' ? 'Liqo v0.3 emulator' : `Liqo ${f.line} (its own controllers)`
  console.log(
    `| ${name} | \`lab up --tutorial\` wall time (${rounds} rounds) | ${(median(f.times) / 1000).toFixed(1)} ` +
      `s | ${(Math.min(...f.times) / 1000).toFixed(1)} s | ${(Math.max(...f.times) / 1000).toFixed(1)} s |`,
  )
  console.log(
    `| ${name} | total memory (RSS, all processes) | ${mib(median(f.mems))} | ${mib(Math.min(...f.mems))} ` +
      `| ${mib(Math.max(...f.mems))} |`,
  )
}
for (const f of results) {
  console.log(`\n${f.line}, last round, per process:\n`)
  console.log('| process | RSS |\n| --- | --- |')
  for (const [name, kb] of f.perProcess) console.log(`| ${name} | ${mib(kb)} |`)
}
