/**
 * Child processes of the lab: spawned without a shell, output appended to a per-process log,
 * tied to the supervisor's life (Linux parent-death signal through util-linux `setpriv`, when
 * present), and stopped with SIGTERM then SIGKILL.
 */
import {spawn, spawnSync, type ChildProcess} from 'node:child_process'
import {closeSync, existsSync, openSync, readFileSync} from 'node:fs'

export interface ManagedProcess {
  name: string
  pid: number
  child: ChildProcess
  log: string
  exited: Promise<number | null>
  /** Set when the process ended. */
  exitCode?: number | null
  /** The signal that ended it, if one did. */
  signal?: NodeJS.Signals
}

let setprivChecked: boolean | undefined
function hasSetpriv(): boolean {
  if (setprivChecked === undefined) {
    const r = spawnSync('setpriv', ['--help'], {encoding: 'utf8'})
    setprivChecked = r.status === 0 && r.stdout.includes('--pdeathsig')
  }
  return setprivChecked
}

export function startProcess(
  name: string,
  bin: string,
  args: string[],
  log: string,
  env: NodeJS.ProcessEnv = process.env,
): ManagedProcess {
  const fd = openSync(log, 'a')
  // setpriv --pdeathsig: the kernel sends SIGKILL to the child if the supervisor dies, so even a
  // `kill -9` of the supervisor leaves no control-plane process behind.
  const [cmd, argv] = hasSetpriv() ? ['setpriv', ['--pdeathsig', 'SIGKILL', '--', bin, ...args]] : [bin, args]
  const child = spawn(cmd, argv as string[], {stdio: ['ignore', fd, fd], env, detached: false})
  closeSync(fd)
  const proc: ManagedProcess = {
    name,
    pid: child.pid ?? -1,
    child,
    log,
    exited: new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        proc.exitCode = code ?? (signal ? -1 : null)
        if (signal) proc.signal = signal
        resolve(proc.exitCode)
      })
      child.once('error', () => {
        proc.exitCode = -1
        resolve(-1)
      })
    }),
  }
  return proc
}

export async function stopProcess(p: ManagedProcess, graceMs = 10_000): Promise<void> {
  if (p.exitCode !== undefined) return
  try {
    p.child.kill('SIGTERM')
  } catch {
    return
  }
  const timer = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), graceMs).unref())
  if ((await Promise.race([p.exited, timer])) === 'timeout') {
    try {
      p.child.kill('SIGKILL')
    } catch {
      // already gone
    }
    await p.exited
  }
}

/** Is `pid` a live process (zombies waiting to be reaped count as dead)? */
export function isRunning(pid: number): boolean {
  if (!pid || pid < 1) return false
  try {
    process.kill(pid, 0)
  } catch {
    return false
  }
  try {
    // /proc/<pid>/stat: "pid (comm) S ..." — S is the state; Z = zombie.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z'
  } catch {
    return true // not Linux: trust kill(0)
  }
}

/** Is `pid` alive and running one of `binaries` (guards against recycled PIDs)? */
export function isOurProcess(pid: number, binaries: string[]): boolean {
  if (!isRunning(pid)) return false
  const cmdline = `/proc/${pid}/cmdline`
  if (!existsSync(cmdline)) return true // not Linux: trust kill(0)
  try {
    const args = readFileSync(cmdline, 'utf8').split('\0')
    return binaries.some((b) => args.some((a) => a === b || a.endsWith(`/${b}`)))
  } catch {
    return false
  }
}

/** The last lines of a log, for error messages. */
export function tailLog(log: string, lines = 5): string {
  try {
    const text = readFileSync(log, 'utf8').trimEnd().split('\n')
    return text.slice(-lines).join('\n')
  } catch {
    return ''
  }
}
