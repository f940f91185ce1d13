/**
 * Throughput measurement for micro-benchmarks: warm-up, then rounds in which
 * every candidate runs for the same wall time in turn (A B C A B C ...), so
 * drift in machine load hits all of them alike. Reports the median round and
 * the spread.
 */
export interface Candidate {
  name: string
  /** does one unit of work; returns how many items (frames, samples) it handled */
  run: () => number
}

export interface Rate {
  name: string
  /** items per second: median, lowest and highest round */
  median: number
  min: number
  max: number
  /** calls per second, median round */
  callsPerS: number
  rounds: number
}

export function measure (candidates: Candidate[], options: { rounds: number, roundMs: number, warmupMs: number }): Rate[] {
  for (const c of candidates) timed(c, options.warmupMs)
  const samples = candidates.map(() => [] as Array<{ items: number, calls: number }>)
  for (let r = 0; r < options.rounds; r++) {
    candidates.forEach((c, i) => samples[i]?.push(timed(c, options.roundMs)))
  }
  return candidates.map((c, i) => {
    const { median, min, max, count } = spread(samples[i] ?? [], (r) => r.items, { items: 0, calls: 0 })
    return { name: c.name, median: median.items, min, max, callsPerS: median.calls, rounds: count }
  })
}

/** The median round (by `value`) and the lowest and highest values: how results are reported. */
export function spread<T> (rounds: readonly T[], value: (round: T) => number, none: T): { median: T, min: number, max: number, count: number } {
  const sorted = rounds.slice().sort((a, b) => value(a) - value(b))
  const first = sorted[0]
  const last = sorted[sorted.length - 1]
  return {
    median: sorted[Math.floor(sorted.length / 2)] ?? none,
    min: first === undefined ? 0 : value(first),
    max: last === undefined ? 0 : value(last),
    count: sorted.length
  }
}

/** Runs `c` for about `ms`; returns items/s and calls/s. */
function timed (c: Candidate, ms: number): { items: number, calls: number } {
  let items = 0
  let calls = 0
  const start = process.hrtime.bigint()
  const budget = BigInt(Math.round(ms * 1e6))
  let elapsed = 0n
  // check the clock every 64 calls: reading it costs more than a small call
  while (elapsed < budget) {
    for (let i = 0; i < 64; i++) items += c.run()
    calls += 64
    elapsed = process.hrtime.bigint() - start
  }
  const seconds = Number(elapsed) / 1e9
  return { items: items / seconds, calls: calls / seconds }
}
