/**
 * Signals of one message that share payload bits. Real DBCs have them (a
 * signal redefined under a second name, a checksum laid over a counter, a
 * copy-paste slip); decoding is still defined, each signal reads its own
 * bits, but an engineer should know, so each pair is a warning. Signals that
 * can never be in the same frame (multiplexed on disjoint switch values) may
 * share bits: that is what multiplexing is for.
 */
import { bitRuns } from './bit-layout.js'
import { isPseudoMessage } from './dbc-messages.js'
import type { DbcReader } from './dbc-reader.js'
import type { CanSignal, MultiplexCondition } from './model.js'

/** Most pairs reported per message: a pseudo message of 300 signals at bit 0 says enough with a few. */
const MAX_PAIRS_PER_MESSAGE = 8
/**
 * Pairs compared per message at most. Multiplexed messages put hundreds of
 * exclusive signals on the same bits; a hostile file puts 10,000 on bit 0.
 * Past this many comparisons the message is left with what was found.
 */
const MAX_COMPARISONS_PER_MESSAGE = 50_000

type Conditions = Map<string, ReadonlyArray<readonly [number, number]>>

export function checkOverlaps (r: DbcReader): void {
  for (const message of r.db.messages) {
    // The message's own length: bits past it are reported as signal-outside-message already.
    const bits = message.length * 8
    if (bits === 0 || message.signals.length < 2 || isPseudoMessage(message)) continue
    const owners: number[][] = Array.from({ length: bits }, () => [])
    message.signals.forEach((signal, i) => {
      for (const run of bitRuns(signal)) {
        for (let b = 0; b < run.width; b++) {
          const bit = run.byte * 8 + run.shift + b
          if (bit < bits) owners[bit]?.push(i)
        }
      }
    })
    const byName = new Map(message.signals.map((s) => [s.name, s]))
    const conditions = message.signals.map((s) => conditionsOf(s, byName))
    const reported = new Set<string>()
    let budget = MAX_COMPARISONS_PER_MESSAGE
    for (let bit = 0; bit < bits && reported.size < MAX_PAIRS_PER_MESSAGE && budget > 0; bit++) {
      const here = owners[bit] as number[]
      for (let a = 0; a < here.length && budget > 0; a++) {
        for (let b = a + 1; b < here.length && budget > 0 && reported.size < MAX_PAIRS_PER_MESSAGE; b++) {
          budget--
          const i = here[a] as number
          const j = here[b] as number
          const key = `${i}:${j}`
          if (reported.has(key) || exclusive(conditions[i] as Conditions, conditions[j] as Conditions)) continue
          reported.add(key)
          const first = message.signals[i] as CanSignal
          const second = message.signals[j] as CanSignal
          const found = `${first.name} and ${second.name} both use bit ${bit}`
          r.warn(r.tokenOf(second), 'overlapping-signals', `signals ${found} of message ${message.name}; each is decoded from its own bits`,
            { expected: `signals of message ${message.name} that do not share bits`, found })
        }
      }
    }
  }
}

/** The switch values under which `signal` is present, per switch, up its chain of switches. */
function conditionsOf (signal: CanSignal, byName: ReadonlyMap<string, CanSignal>): Conditions {
  const out: Conditions = new Map()
  let current: CanSignal | undefined = signal
  // Chains are loop-free (resolveMultiplexing checked); the bound is a second guard.
  for (let depth = 0; current?.multiplexedBy !== undefined && depth < byName.size; depth++) {
    const { switchName, ranges }: MultiplexCondition = current.multiplexedBy
    out.set(switchName, ranges)
    current = byName.get(switchName)
  }
  return out
}

/** Whether the two can never be in one frame: some switch selects them on values that never meet. */
function exclusive (ca: Conditions, cb: Conditions): boolean {
  for (const [name, ra] of ca) {
    const rb = cb.get(name)
    if (rb !== undefined && !ra.some(([lo, hi]) => rb.some(([lo2, hi2]) => lo <= hi2 && lo2 <= hi))) return true
  }
  return false
}
