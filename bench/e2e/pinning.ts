/**
 * CPU pinning for the throughput bench's pinned mode (issue 19 item 5): the
 * load generator on one core, the system under test on another, with
 * taskset(1), so the CPU a broker spends per batch is its own and not what
 * the generator left it. A CPU mask (sched_setaffinity(2)) is inherited by
 * the threads and processes a pinned process starts later.
 */
import { execFileSync } from 'node:child_process'

export interface CorePair {
  /** the load workers and the bench's own process */
  generator: number
  /** the broker under test and, for Pitwall, its database */
  target: number
}

/** "0-2,4" (taskset -c, /sys cpulist) -> [0, 1, 2, 4] */
export function parseCpuList (list: string): number[] {
  return list.trim().split(',').filter((part) => part !== '').flatMap((part) => {
    const [from, to] = part.split('-').map(Number) as [number, number | undefined]
    return Array.from({ length: (to ?? from) - from + 1 }, (_, i) => from + i)
  })
}

/** The CPUs `pid` may run on now, as taskset prints them. */
export function affinity (pid: number): string {
  const out = execFileSync('taskset', ['-cp', String(pid)], { encoding: 'utf8' })
  return out.slice(out.lastIndexOf(':') + 1).trim()
}

/** The first two CPUs this process may run on, or why the pinned mode cannot run here. */
export function corePair (): CorePair | { skipped: string } {
  let cpus: number[]
  try {
    cpus = parseCpuList(affinity(process.pid))
  } catch (err) {
    return { skipped: `taskset (util-linux) did not run: ${(err as Error).message.split('\n')[0] ?? ''}` }
  }
  const [generator, target] = cpus
  if (generator === undefined || target === undefined) return { skipped: `this process may run on one CPU only (${cpus.join(',')}): no second core to pin the system under test to` }
  return { generator, target }
}

/** Moves every thread of the running process `pid` to `cpus` (a taskset list: "1", "0,1"). */
export function pin (pid: number, cpus: number | string): void {
  execFileSync('taskset', ['-a', '-p', '-c', String(cpus), String(pid)], { stdio: 'ignore' })
}

/** `command args` run under taskset on `cpu`: taskset execs the command, so the child's PID is the command's. */
export function onCpu (cpu: number, command: string, args: string[]): { command: string, args: string[] } {
  return { command: 'taskset', args: ['-c', String(cpu), command, ...args] }
}
