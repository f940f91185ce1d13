/**
 * CPU and memory of other processes, from /proc (Linux): process.cpuUsage()
 * only sees this process. proc(5): /proc/<pid>/stat fields 14 and 15 are
 * utime and stime in clock ticks; /proc/<pid>/status has VmRSS and VmHWM.
 */
import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'

const CLK_TCK = ((): number => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100
  } catch {
    return 100
  }
})()

/** utime + stime of `pid` in seconds; undefined once it is gone. */
export function cpuSeconds (pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // the command name (field 2) may hold spaces: count fields after its closing parenthesis
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(fields[11]) + Number(fields[12])) / CLK_TCK
  } catch {
    return undefined
  }
}

/** Resident and peak resident memory of `pid`, MiB. */
export function memoryMiB (pid: number): { rss: number, peak: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    const kib = (key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0)
    return { rss: kib('VmRSS') / 1024, peak: kib('VmHWM') / 1024 }
  } catch {
    return undefined
  }
}

/** Processes whose command name (/proc/<pid>/comm) is `comm`, with their command lines. */
export function processesNamed (comm: string): Array<{ pid: number, cmdline: string }> {
  const found: Array<{ pid: number, cmdline: string }> = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() !== comm) continue
      found.push({ pid: Number(entry), cmdline: readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ').trim() })
    } catch {
      // gone between readdir and read
    }
  }
  return found
}

/**
 * CPU of a set of processes found anew at each reading (PostgreSQL starts a
 * backend per connection): seconds per pid, so a difference counts a process
 * born in between from zero.
 */
export class ProcessGroupCpu {
  constructor (private readonly find: () => number[]) {}

  read (): Map<number, number> {
    const out = new Map<number, number>()
    for (const pid of this.find()) {
      const s = cpuSeconds(pid)
      if (s !== undefined) out.set(pid, s)
    }
    return out
  }

  static between (before: Map<number, number>, after: Map<number, number>): number {
    let total = 0
    for (const [pid, s] of after) total += s - (before.get(pid) ?? 0)
    return total
  }
}

/** The PostgreSQL processes doing a bench database's work: its backends, and the WAL writer, checkpointer and background writer the cluster shares. */
export function postgresCpu (database: string): ProcessGroupCpu {
  const shared = /postgres: (walwriter|checkpointer|background writer)/
  return new ProcessGroupCpu(() => processesNamed('postgres')
    .filter((p) => p.cmdline.includes(` ${database} `) || shared.test(p.cmdline))
    .map((p) => p.pid))
}

/** Direct children of `pid` (proc(5): /proc/<pid>/task/<tid>/children, kernels with CONFIG_PROC_CHILDREN); empty once it is gone. */
export function childrenOf (pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(' ').filter((s) => s !== '').map(Number)
  } catch {
    return []
  }
}

/** A whole PostgreSQL cluster of the bench's own: the postmaster and every process it started (backends, WAL writer, checkpointer...). */
export function clusterCpu (postmasterPid: number): ProcessGroupCpu {
  return new ProcessGroupCpu(() => [postmasterPid, ...childrenOf(postmasterPid)])
}
